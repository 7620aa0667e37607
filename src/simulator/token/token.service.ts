import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SimulatorConfig } from '../../config/simulator-config';
import { ClientsService } from '../clients/clients.service';
import { SimulatedClient } from '../clients/simulated-client';
import { LoginRecord } from '../traffic/login-record';
import { isAuthorisedFor, OnBehalfOf, parseOnBehalfOf } from './on-behalf-of';
import { OAuthError, Refusal } from './oauth-error';
import { isPlaceholderCredential } from './placeholder-credentials';
import { TokenRequest } from './token-request';
import { TokenSigner } from './token-signer';

export const INVOICING_SCOPE = 'InvoicingAPI';
const FORM = 'application/x-www-form-urlencoded';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: typeof INVOICING_SCOPE;
}

export interface IssuedToken {
  clientId: string;
  response: TokenResponse;
  login: LoginRecord;
}

/**
 * MyInvois's rules for the client-credentials grant (a form body, never Basic or JSON; either of
 * two secrets; `onbehalfof` for intermediaries): the request's shape, the client's credentials,
 * then whom an intermediary acts for. Checks run in that order, so a request with several faults
 * gets the first one's error.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly config: SimulatorConfig,
    private readonly clients: ClientsService,
    private readonly signer: TokenSigner,
  ) {}

  /** Issues a token or throws the OAuthError MyInvois would answer with. */
  async issue(request: TokenRequest): Promise<IssuedToken> {
    const form = this.readForm(request);
    const grantType = this.field(form, 'grant_type');
    if (grantType === undefined || grantType === '') {
      throw new OAuthError('invalid_request', 'grant_type is required', Refusal.MissingGrantType);
    }
    if (grantType !== 'client_credentials') {
      throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported; use client_credentials`, Refusal.UnsupportedGrantType);
    }
    const clientId = this.field(form, 'client_id');
    const secret = this.field(form, 'client_secret');
    if (clientId === undefined || secret === undefined) {
      const missing = [clientId === undefined && 'client_id', secret === undefined && 'client_secret'].filter(Boolean).join(' and ');
      throw new OAuthError('invalid_request', `${missing} ${missing.includes(' and ') ? 'are' : 'is'} required`, Refusal.MissingCredentials);
    }
    if (isPlaceholderCredential(clientId) || isPlaceholderCredential(secret)) {
      throw new OAuthError('invalid_client', 'Placeholder credentials are blocked', Refusal.PlaceholderCredentials);
    }

    const client = this.clients.find(clientId);
    // One message for both, so that the answer does not tell which client IDs exist.
    if (!client) throw new OAuthError('invalid_client', 'Invalid client credentials', Refusal.UnknownClient);
    const secretIndex = client.secrets.indexOf(secret);
    if (secretIndex === -1) throw new OAuthError('invalid_client', 'Invalid client credentials', Refusal.WrongSecret);
    // As the SDK's own example answers a blocked system user: `invalid_request`, not `invalid_client`.
    if (client.blocked) throw new OAuthError('invalid_request', 'User blocked', Refusal.Blocked);

    const scope = this.field(form, 'scope');
    if (scope !== undefined && scope !== '' && scope !== INVOICING_SCOPE) {
      throw new OAuthError('invalid_scope', `scope ${scope} is not known; the only scope is ${INVOICING_SCOPE}`, Refusal.InvalidScope);
    }
    const onBehalfOf = this.onBehalfOf(client, request.onBehalfOf);
    return this.sign(client, { secret: secretIndex === 0 ? 1 : 2, scope: scope ?? null, onBehalfOf });
  }

  private readForm(request: TokenRequest): Record<string, unknown> {
    if (request.authorization !== undefined && /^basic\s/i.test(request.authorization.trim())) {
      throw new OAuthError(
        'invalid_request',
        'Client credentials must be sent as client_id and client_secret in the form body, not in an Authorization: Basic header',
        Refusal.BasicAuth,
      );
    }
    if (request.contentType !== FORM) {
      const sent = request.contentType === undefined ? 'the request has no Content-Type' : `not ${request.contentType}`;
      throw new OAuthError('invalid_request', `The request body must be ${FORM}; ${sent}`, Refusal.NotForm);
    }
    // An empty form body arrives as nothing at all.
    if (request.body === undefined || request.body === null) return {};
    if (typeof request.body !== 'object') throw new OAuthError('invalid_request', 'The form body cannot be read', Refusal.UnreadableBody);
    return request.body as Record<string, unknown>;
  }

  private field(form: Record<string, unknown>, name: string): string | undefined {
    const value = form[name];
    if (value === undefined || typeof value === 'string') return value;
    throw new OAuthError('invalid_request', `${name} must be given once`, Refusal.RepeatedField);
  }

  private onBehalfOf(client: Readonly<SimulatedClient>, header: string | string[] | undefined): OnBehalfOf | undefined {
    if (client.kind === 'taxpayer') {
      if (header !== undefined) {
        throw new OAuthError(
          'invalid_request',
          'The onbehalfof header is for intermediary systems; this client is a taxpayer system',
          Refusal.OnBehalfOfFromTaxpayer,
        );
      }
      return undefined;
    }
    if (header === undefined) {
      throw new OAuthError('invalid_request', 'An intermediary system must name the taxpayer in the onbehalfof header', Refusal.OnBehalfOfMissing);
    }
    if (Array.isArray(header)) throw new OAuthError('invalid_request', 'onbehalfof must be given once', Refusal.OnBehalfOfMalformed);
    const parsed = parseOnBehalfOf(header);
    if (!parsed.ok) throw new OAuthError('invalid_request', parsed.problem, Refusal.OnBehalfOfMalformed);
    if (!isAuthorisedFor(client.allowedOnBehalfOf, parsed.onBehalfOf)) {
      throw new OAuthError('unauthorized_client', `Intermediary is not authorised to act on behalf of ${header}`, Refusal.OnBehalfOfNotAllowed);
    }
    return parsed.onBehalfOf;
  }

  private async sign(
    client: Readonly<SimulatedClient>,
    login: { secret: 1 | 2; scope: string | null; onBehalfOf: OnBehalfOf | undefined },
  ): Promise<IssuedToken> {
    const ttlSeconds = client.tokenTtlSeconds ?? this.config.tokens.ttlSeconds;
    const now = Date.now();
    const issuedAt = Math.floor(now / 1000);
    const expiresAt = issuedAt + ttlSeconds;
    const jti = randomUUID();
    const accessToken = await this.signer.sign({ ...this.claims(client, login.onBehalfOf), nbf: issuedAt, iat: issuedAt, exp: expiresAt, jti });
    return {
      clientId: client.clientId,
      response: { access_token: accessToken, token_type: 'Bearer', expires_in: ttlSeconds, scope: INVOICING_SCOPE },
      login: {
        at: new Date(now).toISOString(),
        onBehalfOf: login.onBehalfOf?.value ?? null,
        scope: login.scope,
        secret: login.secret,
        expiresAt: new Date(expiresAt * 1000).toISOString(),
        jti,
      },
    };
  }

  /**
   * MyInvois's claims, in the shape the client was registered with: 2025 (`aud` a string,
   * `TaxpayerTIN`, `IntermedROB`) or 2024 (`aud` an array, `TaxTin`, `NatId`). Boolean-like
   * claims are the strings "0" and "1"; an intermediary's own TIN and BRN are in `IntermedTIN`
   * and `IntermedROB`, the represented taxpayer's TIN in the TIN claim.
   */
  private claims(client: Readonly<SimulatedClient>, onBehalfOf: OnBehalfOf | undefined): Record<string, unknown> {
    const issuer = this.config.tokens.issuer;
    const taxpayerTin = onBehalfOf?.tin ?? client.tin;
    const intermediary = client.kind === 'intermediary';
    const common = {
      iss: issuer,
      scope: [INVOICING_SCOPE],
      client_id: client.clientId,
      name: `${taxpayerTin}:${client.clientId}`,
      IsTaxRepres: '1',
      SSId: numberOf(`ss:${client.clientId}`),
      preferred_username: client.clientId,
      TaxId: numberOf(`tax:${taxpayerTin}`),
      ProfId: numberOf(`prof:${client.clientId}`),
      IsTaxAdmin: '0',
      IsSystem: '1',
      IsIntermediary: intermediary ? '1' : '0',
      IntermedId: intermediary ? numberOf(`intermediary:${client.tin}`) : '0',
      IntermedTIN: intermediary ? client.tin : '',
      IntermedEnforced: '2',
    };
    if (client.tokenShape === '2024') return { ...common, aud: [INVOICING_SCOPE, `${issuer}/resources`], TaxTin: taxpayerTin, NatId: '' };
    return { ...common, aud: `${issuer}/resources`, TaxpayerTIN: taxpayerTin, IntermedROB: intermediary ? (client.brn ?? '') : '' };
  }
}

/** A stable numeric id for the claims whose meaning is LHDN's own (SSId, TaxId, ProfId, IntermedId). */
function numberOf(seed: string): string {
  return String(createHash('sha256').update(seed).digest().readUInt32BE(0));
}
