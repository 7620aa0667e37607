import { Body, Controller, Get, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthTokenService, IssuedAccessToken } from './auth-token.service';
import { callerAddressOf, Public } from './decorators';
import { SigningKeys } from './signing-keys';
import { AccessTokenDto, TokenRequestDto } from './dto/token-request.dto';
import { parseTokenRequest } from './token-request';

@ApiTags('auth')
@Public()
@Controller()
export class AuthTokenController {
  constructor(
    private readonly tokens: AuthTokenService,
    private readonly signingKeys: SigningKeys,
  ) {}

  @Post('v1/auth/token')
  @HttpCode(200)
  @RouteConfig({ oauth: true })
  @ApiOperation({ summary: 'Client-credentials grant for callers of the broker (RFC 6749 §4.4)' })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: TokenRequestDto })
  @ApiOkResponse({ type: AccessTokenDto })
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

  @Get('.well-known/jwks.json')
  @ApiOperation({ summary: 'Public keys that verify the broker-issued access tokens' })
  jwks(): { keys: object[] } {
    return { keys: this.signingKeys.publicJwks() };
  }
}
