import { Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { AuditErrorCode } from '../audit/audit.errors';
import type { Caller } from '../common/caller';
import { ApiCallerAuth, CurrentActor, CurrentCaller, Roles, TenantScoped } from '../common/route-metadata';
import { ApiErrors } from '../common/api-errors';
import { OptionalJsonBody, QueryParams } from '../common/request-bodies';
import { UuidParam } from '../common/validators';
import { MyInvoisErrorCode } from '../myinvois/myinvois.errors';
import { VaultErrorCode } from '../vault/vault.errors';
import { InvalidateTokenDto, InvalidationDto, IssuedTokenDto, TenantTokenRequestDto, CredentialVerificationDto, VerifyCredentialDto } from './dto/token.dto';
import { ListTokensQuery, TokenStatePageDto } from './dto/token-state.dto';
import { CredentialBudgetDto, CredentialLoginsDto } from '../vault/dto/credential-budget.dto';
import { CredentialBudgets } from './credential-budgets';
import { TokenErrorCode } from './tokens.errors';
import { TokensService } from './tokens.service';

const TENANT_ID = 'The tenant id';

/** What a login to MyInvois may end in, besides a refusal of the credential (which a verification reports as its answer). */
const LOGIN_ERRORS = [
  TokenErrorCode.Unavailable,
  TokenErrorCode.UpstreamRefusedRequest,
  TokenErrorCode.Busy,
  MyInvoisErrorCode.BudgetExhausted,
  VaultErrorCode.Integrity,
  VaultErrorCode.Unavailable,
  AuditErrorCode.Unavailable,
];

@ApiTags('tokens')
@ApiCallerAuth()
@Controller()
export class TokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly budgets: CredentialBudgets,
  ) {}

  @Get('v1/tokens')
  @Roles('admin')
  @ApiOperation({
    summary: 'Token keys and their refresh state',
    description:
      'Admin only. One row per token key (credential, onbehalfof, scope): its state (`fresh`, `due`, `refreshing`, `failing`, `expired`), ' +
      'fingerprint, expiry, when it is due, last use, failures, last error and the next attempt; never a token.',
  })
  @ApiOkResponse({ type: TokenStatePageDto, description: 'A page of token keys' })
  list(@QueryParams() query: ListTokensQuery): Promise<TokenStatePageDto> {
    return this.tokens.list(query);
  }

  @Post('v1/tenants/:id/token')
  @HttpCode(200)
  @Roles('admin', 'service')
  @TenantScoped('id')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Get a MyInvois access token for a tenant',
    description:
      'Services granted the tenant, and admins. A token with at least `minTtlSeconds` (default TOKEN_MIN_TTL_SECONDS) of life left, from ' +
      'memory when one is cached; otherwise the broker logs in to MyInvois, once per token key across all replicas. The body may be ' +
      'left out. A login that cannot happen now answers 503 with Retry-After; a credential MyInvois refuses, 409 `credential_invalid`.',
  })
  @ApiOkResponse({
    type: IssuedTokenDto,
    description: 'The token, OAuth-style, to pass on to MyInvois as it is',
    headers: { 'Cache-Control': { description: 'no-store', schema: { type: 'string' } } },
  })
  @ApiErrors(
    TokenErrorCode.TenantSuspended,
    TokenErrorCode.NoCredential,
    TokenErrorCode.CredentialInvalid,
    TokenErrorCode.NotAuthorised,
    TokenErrorCode.LifetimeTooShort,
    ...LOGIN_ERRORS,
  )
  issue(
    @UuidParam('id', TENANT_ID) id: string,
    @OptionalJsonBody() body: TenantTokenRequestDto,
    @CurrentCaller() caller: Caller,
    @CurrentActor() actor: Actor,
  ): Promise<IssuedTokenDto> {
    return this.tokens.issue(caller, actor, id, body);
  }

  @Post('v1/tenants/:id/token/invalidate')
  @HttpCode(200)
  @Roles('admin', 'service')
  @TenantScoped('id')
  @ApiOperation({
    summary: 'Report a token MyInvois refused (401)',
    description:
      'Services granted the tenant, and admins. The next token request logs in again. With `accessToken`, only that token is dropped, ' +
      'not a newer one (`not_current`); a token younger than TOKEN_INVALIDATE_COOLDOWN_SECONDS is kept (`cooldown`), so that a caller ' +
      'cannot burn the login budget. The body may be left out.',
  })
  @ApiOkResponse({ type: InvalidationDto, description: 'What became of the token' })
  @ApiErrors(TokenErrorCode.TenantSuspended, TokenErrorCode.NoCredential, AuditErrorCode.Unavailable)
  invalidate(@UuidParam('id', TENANT_ID) id: string, @OptionalJsonBody() body: InvalidateTokenDto, @CurrentActor() actor: Actor): Promise<InvalidationDto> {
    return this.tokens.invalidate(actor, id, body);
  }

  @Get('v1/credentials/:id/budget')
  @Roles('admin')
  @ApiOperation({
    summary: "A credential's login budget",
    description:
      'Admin only. The limit per minute, logins used in the current window (every replica), when the next slot frees up, a pause after a 429 ' +
      'with the Retry-After it came with, the back-off after MyInvois failed, renewals under way, tokens in use and those the refresher forecasts at risk.',
  })
  @ApiOkResponse({ type: CredentialBudgetDto, description: "The credential's budget as all replicas share it" })
  @ApiErrors(VaultErrorCode.CredentialNotFound)
  budget(@UuidParam('id', 'The credential id') id: string): Promise<CredentialBudgetDto> {
    return this.budgets.forCredential(id);
  }

  @Get('v1/credentials/:id/logins')
  @Roles('admin')
  @ApiOperation({
    summary: "A credential's logins per minute over the last hour",
    description:
      'Admin only. The logins sent to MyInvois with this client ID in each of the last 60 minutes (every replica, whatever MyInvois answered), ' +
      'split into on-demand logins and background renewals, beside the limit per minute: the history behind the budget.',
  })
  @ApiOkResponse({ type: CredentialLoginsDto, description: 'Sixty minutes, oldest first' })
  @ApiErrors(VaultErrorCode.CredentialNotFound)
  logins(@UuidParam('id', 'The credential id') id: string): Promise<CredentialLoginsDto> {
    return this.budgets.loginsPerMinute(id);
  }

  @Post('v1/credentials/:id/verify')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Verify a credential with one real login',
    description:
      'Admin only. Logs in to MyInvois with the credential, trying every secret, and sets it `valid` or `invalid` (a refusal is the ' +
      'answer `invalid`, not an error); reports the token’s TIN claim and whether it matches the tenant. An intermediary credential needs ' +
      '`tenantId`, the tenant to log in on behalf of; for a taxpayer credential the body may be left out.',
  })
  @ApiOkResponse({ type: CredentialVerificationDto, description: 'The verdict: `valid` with the TIN claim, or `invalid` with MyInvois’s error' })
  @ApiErrors(VaultErrorCode.CredentialNotFound, TokenErrorCode.NoCredential, ...LOGIN_ERRORS)
  verify(
    @UuidParam('id', 'The credential id') id: string,
    @OptionalJsonBody() body: VerifyCredentialDto,
    @CurrentActor() actor: Actor,
  ): Promise<CredentialVerificationDto> {
    return this.tokens.verifyCredential(actor, id, body.tenantId);
  }
}
