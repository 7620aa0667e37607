import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Caller, grantedTenantIds } from '../common/caller';
import { ApiCallerAuth, CurrentActor, CurrentCaller, Roles, TenantScoped } from '../common/route-metadata';
import type { Actor } from '../common/actor';
import { AuditErrorCode } from '../audit/audit.errors';
import { ApiErrors } from '../common/api-errors';
import { JsonBody, QueryParams } from '../common/request-bodies';
import { UuidParam } from '../common/validators';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { ListTenantsQuery } from './dto/list-tenants.query';
import { TenantDto, TenantPageDto } from './dto/tenant.dto';
import { UpdateTenantDto } from './dto/update-tenant.dto';
import { TenantErrorCode } from './tenant.errors';
import { TenantsService } from './tenants.service';

const TENANT_ID = 'The tenant id';

@ApiTags('tenants')
@ApiCallerAuth()
@Roles('admin')
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @ApiOperation({
    summary: 'Register a taxpayer',
    description:
      'Admin only. The TIN is trimmed, upper-cased and stripped of spaces, and leading zeros after a non-individual prefix are dropped; ' +
      'placeholder TINs (EI00000000010..40) are refused. One TIN may be registered once per environment: a second registration gets 409 ' +
      'with the existing tenant in `existingTenantId`. A new tenant has no credential; attach one with `PATCH /v1/tenants/{id}`.',
  })
  @ApiCreatedResponse({ type: TenantDto, description: 'Registered' })
  @ApiErrors(TenantErrorCode.TinTaken, AuditErrorCode.Unavailable)
  create(@JsonBody() body: CreateTenantDto, @CurrentActor() actor: Actor): Promise<TenantDto> {
    return this.tenants.create(actor, body);
  }

  @Get()
  @Roles('admin', 'service')
  @ApiOperation({
    summary: 'List tenants',
    description:
      'Admins see every tenant, services only those they are granted. Oldest first, in pages: pass `nextCursor` back as `cursor` ' +
      'until it is null. `tin` is normalised as on create.',
  })
  @ApiOkResponse({ type: TenantPageDto, description: 'A page of tenants, oldest first' })
  list(@QueryParams() query: ListTenantsQuery, @CurrentCaller() caller: Caller): Promise<TenantPageDto> {
    return this.tenants.list(query, grantedTenantIds(caller));
  }

  @Get(':id')
  @Roles('admin', 'service')
  @TenantScoped('id')
  @ApiOperation({
    summary: 'Read a tenant',
    description: 'Admins, and services granted the tenant. A tenant the caller is not granted answers 404, exactly like one that does not exist.',
  })
  @ApiOkResponse({ type: TenantDto, description: 'The tenant' })
  get(@UuidParam('id', TENANT_ID) id: string): Promise<TenantDto> {
    return this.tenants.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a tenant',
    description:
      'Admin only. Changes `name`, `brn` (null removes it), `status` (a suspended tenant gets no tokens), `credentialId` (null detaches ' +
      'it) and `onBehalfOfFormat` (`tin_brn` needs a `brn`). A taxpayer credential serves one tenant only (409 `tenant_credential_taken`).',
  })
  @ApiOkResponse({ type: TenantDto, description: 'The changed tenant' })
  @ApiErrors(TenantErrorCode.NotFound, TenantErrorCode.CredentialTaken, AuditErrorCode.Unavailable)
  update(@UuidParam('id', TENANT_ID) id: string, @JsonBody() body: UpdateTenantDto, @CurrentActor() actor: Actor): Promise<TenantDto> {
    return this.tenants.update(actor, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a tenant',
    description:
      'Admin only. A soft delete: the tenant disappears from the API (404 from then on), its credential is detached and its TIN can be ' +
      'registered again, while its row stays for the audit trail.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(TenantErrorCode.NotFound, AuditErrorCode.Unavailable)
  remove(@UuidParam('id', TENANT_ID) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.tenants.remove(actor, id);
  }
}
