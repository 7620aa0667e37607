import { Body, Controller, Get, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrors, ApiOAuthErrors } from '../../common/api-errors';
import { RequestErrorCode } from '../../common/error-codes';
import { Consumes, FORM_MEDIA_TYPE, JSON_MEDIA_TYPE } from '../../common/request-bodies';
import { RouteOptions } from '../../common/route-config';
import { AppConfig } from '../../config/app-config';
import { AuthTokenService, IssuedAccessToken } from './auth-token.service';
import { authorizationServerMetadata, issuerFor, JWKS_PATH, METADATA_PATH, TOKEN_PATH } from './authorization-server-metadata';
import { callerAddressOf, Public } from '../../common/route-metadata';
import { AuthorizationServerMetadataDto, JwksDto } from '../signing-keys/dto/signing-key.dto';
import { AccessTokenDto, TokenRequestDto } from './dto/token-request.dto';
import { SigningKeys } from '../signing-keys/signing-keys';
import { parseTokenRequest } from './token-request';

@ApiTags('auth')
@Public()
@Controller()
export class AuthTokenController {
  constructor(
    private readonly tokens: AuthTokenService,
    private readonly signingKeys: SigningKeys,
    private readonly config: AppConfig,
  ) {}

  @Post(TOKEN_PATH)
  @HttpCode(200)
  @RouteOptions({ oauth: true })
  @Consumes(FORM_MEDIA_TYPE, JSON_MEDIA_TYPE)
  @ApiOperation({
    summary: 'Log in: the client-credentials grant for callers of the broker',
    description:
      'Anyone may call it; it needs no token. A principal sends `grant_type=client_credentials` with its `client_id` and `client_secret`, ' +
      'in a form body, a JSON body or HTTP Basic authentication (RFC 6749 §4.4), and gets an ES256 JWT to send as `Authorization: Bearer` ' +
      'for AUTH_TOKEN_TTL_SECONDS. Errors are in RFC 6749 form. Repeated failures for a client ID from one address are slowed, then ' +
      'refused with 429 and Retry-After; an unknown client ID gets the same answer, in the same time, as a wrong secret.',
  })
  @ApiBody({
    type: TokenRequestDto,
    examples: {
      form: { summary: 'Credentials in the body', value: { grant_type: 'client_credentials', client_id: 'pr_4f2c0c0d6a8e', client_secret: '<secret>' } },
    },
  })
  @ApiOkResponse({
    type: AccessTokenDto,
    description: 'A broker access token',
    headers: { 'Cache-Control': { description: 'no-store', schema: { type: 'string' } } },
  })
  @ApiOAuthErrors('invalid_request', 'unsupported_grant_type', 'invalid_client', 'too_many_requests')
  async token(
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IssuedAccessToken> {
    const issued = await this.tokens.issue(parseTokenRequest(body, authorization), {
      type: 'anonymous',
      requestId: request.id,
      callerIp: callerAddressOf(request),
    });
    void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return issued;
  }

  @Get(JWKS_PATH)
  @ApiOperation({
    summary: "The public keys of the broker's tokens",
    description: 'Anyone may call it. A JWKS (RFC 7517) to verify broker-issued access tokens with; rotated keys stay until their tokens have expired.',
  })
  @ApiOkResponse({ type: JwksDto, description: 'The key set' })
  @ApiErrors(RequestErrorCode.Internal)
  jwks(): JwksDto {
    return { keys: this.signingKeys.publicJwks() as JwksDto['keys'] };
  }

  @Get(METADATA_PATH)
  @ApiOperation({
    summary: 'OAuth 2.0 authorization server metadata (RFC 8414)',
    description:
      'Anyone may call it. What standard OAuth clients configure themselves from: the token endpoint, the key set, the grant and the ' +
      'client authentication methods. The issuer is AUTH_ISSUER when that is a URL; otherwise the origin this request reached ' +
      '(behind a load balancer with TRUST_PROXY, as its X-Forwarded-Proto and X-Forwarded-Host say).',
  })
  @ApiOkResponse({ type: AuthorizationServerMetadataDto, description: 'The metadata' })
  @ApiErrors(RequestErrorCode.ValidationFailed, RequestErrorCode.Internal)
  metadata(@Req() request: FastifyRequest): AuthorizationServerMetadataDto {
    return authorizationServerMetadata(issuerFor(this.config.auth.issuerUrl, request));
  }
}
