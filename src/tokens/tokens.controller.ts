import { Body, Controller, Get, Header, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/actor';
import type { Caller } from '../auth/caller';
import { CurrentActor, CurrentCaller, Roles, TenantScoped } from '../auth/decorators';
import { UuidParam } from '../common/validators';
import { InvalidateTokenDto, InvalidationDto, IssuedTokenDto, TenantTokenRequestDto, CredentialVerificationDto, VerifyCredentialDto } from './dto/token.dto';
import { ListTokensQuery, TokenStatePageDto } from './dto/token-state.dto';
import { CredentialBudgetDto } from '../vault/dto/credential-budget.dto';
import { CredentialBudgets } from './credential-budgets';
import { TokensService } from './tokens.service';

@ApiTags('tokens')
@ApiBearerAuth()
@Controller()
export class TokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly budgets: CredentialBudgets,
  ) {}

  @Get('v1/tokens')
  @Roles('admin')
  @ApiOperation({ summary: 'Token keys with their state, expiry, last use, failures and next attempt (never a token)' })
  @ApiOkResponse({ type: TokenStatePageDto })
  list(@Query() query: ListTokensQuery): Promise<TokenStatePageDto> {
    return this.tokens.list(query);
  }

  @Post('v1/tenants/:id/token')
  @HttpCode(200)
  @Roles('admin', 'service')
  @TenantScoped('id')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'A MyInvois access token for the tenant, with at least minTtlSeconds of life left' })
  @ApiOkResponse({ type: IssuedTokenDto })
  issue(@UuidParam() id: string, @Body() body: TenantTokenRequestDto, @CurrentCaller() caller: Caller, @CurrentActor() actor: Actor): Promise<IssuedTokenDto> {
    return this.tokens.issue(caller, actor, id, body);
  }

  @Post('v1/tenants/:id/token/invalidate')
  @HttpCode(200)
  @Roles('admin', 'service')
  @TenantScoped('id')
  @ApiOperation({ summary: 'MyInvois answered 401 to this token: the next request logs in again (at most once per cooldown)' })
  @ApiOkResponse({ type: InvalidationDto })
  invalidate(@UuidParam() id: string, @Body() body: InvalidateTokenDto, @CurrentActor() actor: Actor): Promise<InvalidationDto> {
    return this.tokens.invalidate(actor, id, body);
  }

  @Get('v1/credentials/:id/budget')
  @Roles('admin')
  @ApiOperation({
    summary:
      "The credential's login budget: limit, logins in the current window, next free slot, a 429 pause, the back-off, renewals under way, tokens in use and at risk",
  })
  @ApiOkResponse({ type: CredentialBudgetDto })
  budget(@UuidParam() id: string): Promise<CredentialBudgetDto> {
    return this.budgets.forCredential(id);
  }

  @Post('v1/credentials/:id/verify')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'One real login with the credential: sets it valid or invalid, reports the TIN claim' })
  @ApiOkResponse({ type: CredentialVerificationDto })
  verify(@UuidParam() id: string, @Body() body: VerifyCredentialDto, @CurrentActor() actor: Actor): Promise<CredentialVerificationDto> {
    return this.tokens.verifyCredential(actor, id, body.tenantId);
  }
}
