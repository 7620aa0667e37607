import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { envelopeTableProvider } from '../vault/envelope-stores';
import { IntegrityError } from '../vault/envelope';
import { VaultCipher } from '../vault/vault-cipher';

const SECRET = 'secret';
const PREVIOUS = 'previous_secret';

/** The AAD prefix of what is sealed for one endpoint. */
function contextOf(endpointId: string): string {
  return `webhook:${endpointId}`;
}

/** Registers `webhook_endpoints` with the vault, so key checks, status and re-wrap cover it. */
export const webhookEndpointEnvelopes = envelopeTableProvider('WEBHOOK_ENDPOINT_ENVELOPES', {
  table: 'webhook_endpoints',
  idColumn: 'id',
  idType: 'uuid',
  context: contextOf,
});

/** The sealed columns of an endpoint. */
export interface SealedSecrets {
  secret: Buffer;
  previousSecret: Buffer | null;
  dataKeyWrapped: Buffer;
  keyVersion: string;
}

/** A signing secret in the Standard Webhooks form: `whsec_` and base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Seals and opens endpoints' signing secrets with the vault, each under a data key of its own, bound to the endpoint. */
@Injectable()
export class WebhookSecrets {
  constructor(private readonly cipher: VaultCipher) {}

  async sealNew(endpointId: string, secret: string): Promise<SealedSecrets> {
    const context = contextOf(endpointId);
    const envelope = await this.cipher.newEnvelope(context);
    try {
      return {
        secret: this.cipher.sealField(envelope.dataKey, context, SECRET, secret),
        previousSecret: null,
        dataKeyWrapped: envelope.dataKeyWrapped,
        keyVersion: envelope.keyVersion,
      };
    } finally {
      envelope.dataKey.fill(0);
    }
  }

  /** The new secret sealed, and the current one sealed again as the previous one. */
  async rotate(endpointId: string, sealed: SealedSecrets, newSecret: string): Promise<{ secret: Buffer; previousSecret: Buffer }> {
    const context = contextOf(endpointId);
    return this.withDataKey(endpointId, sealed, (dataKey) => ({
      secret: this.cipher.sealField(dataKey, context, SECRET, newSecret),
      previousSecret: this.cipher.sealField(dataKey, context, PREVIOUS, this.cipher.openField(dataKey, context, SECRET, sealed.secret)),
    }));
  }

  /** The secrets that sign now: the current one, and the previous one while `withPrevious`. */
  async open(endpointId: string, sealed: SealedSecrets, withPrevious: boolean): Promise<string[]> {
    const context = contextOf(endpointId);
    return this.withDataKey(endpointId, sealed, (dataKey) => {
      const secrets = [this.cipher.openField(dataKey, context, SECRET, sealed.secret)];
      if (withPrevious && sealed.previousSecret) secrets.push(this.cipher.openField(dataKey, context, PREVIOUS, sealed.previousSecret));
      return secrets;
    });
  }

  forget(endpointId: string): void {
    this.cipher.forget(contextOf(endpointId));
  }

  private async withDataKey<T>(endpointId: string, sealed: SealedSecrets, use: (dataKey: Buffer) => T): Promise<T> {
    let dataKey: Buffer | undefined;
    try {
      dataKey = await this.cipher.openDataKey(sealed, contextOf(endpointId));
      return use(dataKey);
    } catch (error) {
      if (error instanceof IntegrityError)
        throw new Error(`webhook endpoint ${endpointId} failed its integrity check: its sealed secret or its master key changed`);
      throw error;
    } finally {
      dataKey?.fill(0);
    }
  }
}
