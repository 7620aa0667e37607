import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JWK } from 'jose';
import { TokenExchange } from './token-exchange';
import { TokenGateway } from './token-gateway.service';
import { mediaTypeOf } from './token-request';
import { TokenSigner } from './token-signer';

@Controller()
export class TokenController {
  constructor(
    private readonly gateway: TokenGateway,
    private readonly signer: TokenSigner,
  ) {}

  /** MyInvois's token endpoint. Replies by hand: faults need raw statuses, HTML bodies, or no reply at all. */
  @Post('connect/token')
  async token(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const answer = await this.gateway.handle(exchangeOf(request, reply));
    if (!answer) return;
    void reply.status(answer.status).headers(answer.headers).type(answer.contentType).send(answer.body);
  }

  /** The public key that signs access tokens, so that tests can verify them. */
  @Get('_sim/jwks')
  jwks(): { keys: JWK[] } {
    return this.signer.jwks();
  }
}

function exchangeOf(request: FastifyRequest, reply: FastifyReply): TokenExchange {
  const response = reply.raw;
  let closed = false;
  // 'close' fires both after the response is sent and when the caller goes away first.
  response.once('close', () => (closed = true));
  const header = request.headers.authorization;
  return {
    request: {
      contentType: mediaTypeOf(request.headers['content-type']),
      body: request.body,
      authorization: header,
      onBehalfOf: request.headers.onbehalfof,
    },
    get closed() {
      return closed;
    },
    onClosed(listener) {
      if (closed) listener();
      else response.once('close', listener);
    },
    abandon() {
      response.destroy();
    },
  };
}
