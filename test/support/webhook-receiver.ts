import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  webhookId: string;
  type: string;
  payload: Record<string, any>;
}

/** A receiver as a platform team would run one: every request's signature verified with the Standard Webhooks library. */
export class Receiver {
  readonly received: Received[] = [];
  readonly badSignatures: string[] = [];
  readonly signatureHeaders: string[] = [];
  private server: Server | undefined;
  port = 0;
  secret = '';
  /** Answered with this status instead of 204, while set. */
  answer: number | undefined;

  async start(port = 0): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((done) => this.server!.listen(port, '127.0.0.1', done));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server!.close(() => done()));
    this.server = undefined;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  ofType(type: string, credentialId?: string): Received[] {
    return this.received.filter((event) => event.type === type && (credentialId === undefined || event.payload.credentialId === credentialId));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    this.signatureHeaders.push(String(request.headers['webhook-signature']));
    if (this.answer !== undefined) {
      response.writeHead(this.answer, { location: 'http://127.0.0.1:9/elsewhere' }).end('not now');
      return;
    }
    try {
      const payload = new Webhook(this.secret).verify(body, request.headers as Record<string, string>) as Record<string, any>;
      this.received.push({ webhookId: String(request.headers['webhook-id']), type: payload.type, payload });
      response.writeHead(204).end();
    } catch (error) {
      this.badSignatures.push(`${(error as Error).message}: ${body.slice(0, 200)}`);
      response.writeHead(400).end('bad signature');
    }
  }
}
