import { Controller, Delete, Get, HttpCode, Patch, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { AuditErrorCode } from '../audit/audit.errors';
import { ApiCallerAuth, CurrentActor, Roles } from '../common/route-metadata';
import { ApiErrors } from '../common/api-errors';
import { JsonBody, QueryParams } from '../common/request-bodies';
import { UuidParam } from '../common/validators';
import { CredentialsService } from './credentials.service';
import { CreateCredentialDto } from './dto/create-credential.dto';
import { CredentialDto, CredentialPageDto } from './dto/credential.dto';
import { ListCredentialsQuery } from './dto/list-credentials.query';
import { ReplaceSecretsDto, UpdateCredentialDto } from './dto/update-credential.dto';
import { VaultErrorCode } from './vault.errors';

const CREDENTIAL_ID = 'The credential id';

@ApiTags('credentials')
@ApiCallerAuth()
@Roles('admin')
@Controller('v1/credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post()
  @ApiOperation({
    summary: 'Store a MyInvois credential',
    description:
      'Admin only. A client ID and one or two client secrets from the MyInvois portal, `taxpayer` (one tenant) or `intermediary` ' +
      '(many, with onbehalfof), per environment. The secrets are sealed under the credential’s own data key and never returned. ' +
      'Placeholder values (empty, `0`, `YOUR_CLIENT_ID`...), which MyInvois blocks, are refused; a client ID is stored once per environment.',
  })
  @ApiCreatedResponse({ type: CredentialDto, description: 'Stored, `unverified` until a login or a verification' })
  @ApiErrors(VaultErrorCode.ClientIdTaken, VaultErrorCode.Unavailable, AuditErrorCode.Unavailable)
  create(@JsonBody() body: CreateCredentialDto, @CurrentActor() actor: Actor): Promise<CredentialDto> {
    return this.credentials.create(actor, body);
  }

  @Get()
  @ApiOperation({ summary: 'List credentials', description: 'Admin only. Oldest first, in pages (`nextCursor`); never a secret.' })
  @ApiOkResponse({ type: CredentialPageDto, description: 'A page of credentials' })
  list(@QueryParams() query: ListCredentialsQuery): Promise<CredentialPageDto> {
    return this.credentials.list(query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Read a credential',
    description: 'Admin only. Its status (`unverified`, `valid`, `invalid` with the last MyInvois error), secret expiry and key version; never a secret.',
  })
  @ApiOkResponse({ type: CredentialDto, description: 'The credential' })
  @ApiErrors(VaultErrorCode.CredentialNotFound)
  get(@UuidParam('id', CREDENTIAL_ID) id: string): Promise<CredentialDto> {
    return this.credentials.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a credential',
    description: 'Admin only. Changes `label`, `loginRatePerMinute` and `secretExpiresAt`; secrets have their own route.',
  })
  @ApiOkResponse({ type: CredentialDto, description: 'The changed credential' })
  @ApiErrors(VaultErrorCode.CredentialNotFound, AuditErrorCode.Unavailable)
  update(@UuidParam('id', CREDENTIAL_ID) id: string, @JsonBody() body: UpdateCredentialDto, @CurrentActor() actor: Actor): Promise<CredentialDto> {
    return this.credentials.update(actor, id, body);
  }

  @Put(':id/secrets')
  @ApiOperation({
    summary: "Replace a credential's secrets",
    description:
      'Admin only. Replaces one or both secrets (`"secondaryClientSecret": null` removes the second); the credential becomes `unverified` ' +
      'and may log in again, with the new secrets only.',
  })
  @ApiOkResponse({ type: CredentialDto, description: 'Status becomes unverified' })
  @ApiErrors(VaultErrorCode.CredentialNotFound, VaultErrorCode.Integrity, VaultErrorCode.Unavailable, AuditErrorCode.Unavailable)
  replaceSecrets(@UuidParam('id', CREDENTIAL_ID) id: string, @JsonBody() body: ReplaceSecretsDto, @CurrentActor() actor: Actor): Promise<CredentialDto> {
    return this.credentials.replaceSecrets(actor, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a credential',
    description: 'Admin only. Refused (409 `credential_in_use`, naming them) while tenants use it; otherwise removes the row with every sealed byte.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(VaultErrorCode.CredentialNotFound, VaultErrorCode.CredentialInUse, AuditErrorCode.Unavailable)
  remove(@UuidParam('id', CREDENTIAL_ID) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.credentials.remove(actor, id);
  }
}
