import { Controller, Delete, Get, HttpCode, Patch, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../common/actor';
import { AuditErrorCode } from '../../audit/audit.errors';
import { ApiErrors } from '../../common/api-errors';
import { JsonBody, QueryParams } from '../../common/request-bodies';
import { UuidParam } from '../../common/validators';
import { AuthErrorCode } from '../auth.errors';
import { ApiCallerAuth, CurrentActor, Roles } from '../../common/route-metadata';
import { CreatePrincipalDto } from './dto/create-principal.dto';
import { ListPrincipalsQuery } from './dto/list-principals.query';
import { PrincipalDto, PrincipalPageDto, PrincipalSecretDto, PrincipalWithSecretDto } from './dto/principal.dto';
import { ReplaceGrantsDto, UpdatePrincipalDto } from './dto/update-principal.dto';
import { PrincipalsService } from './principals.service';

const PRINCIPAL_ID = 'The principal id';

@ApiTags('principals')
@ApiCallerAuth()
@Roles('admin')
@Controller('v1/principals')
export class PrincipalsController {
  constructor(private readonly principals: PrincipalsService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a principal',
    description:
      'Admin only. A caller of the broker: `admin` for the platform tooling, `service` for internal services, which act only on the ' +
      'tenants in `tenantGrants` (tenant ids, or `["*"]` for all). The answer holds `clientSecret`, shown this once; only a hash is kept.',
  })
  @ApiCreatedResponse({ type: PrincipalWithSecretDto, description: 'The only time clientSecret is shown' })
  @ApiErrors(AuthErrorCode.UnknownTenantGrant, AuthErrorCode.ExternalSubjectTaken, AuditErrorCode.Unavailable)
  create(@JsonBody() body: CreatePrincipalDto, @CurrentActor() actor: Actor): Promise<PrincipalWithSecretDto> {
    return this.principals.create(actor, body);
  }

  @Get()
  @ApiOperation({ summary: 'List principals', description: 'Admin only. Oldest first, in pages (`nextCursor`); never a secret.' })
  @ApiOkResponse({ type: PrincipalPageDto, description: 'A page of principals, oldest first' })
  list(@QueryParams() query: ListPrincipalsQuery): Promise<PrincipalPageDto> {
    return this.principals.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a principal', description: 'Admin only. Never a secret.' })
  @ApiOkResponse({ type: PrincipalDto, description: 'The principal' })
  @ApiErrors(AuthErrorCode.PrincipalNotFound)
  get(@UuidParam('id', PRINCIPAL_ID) id: string): Promise<PrincipalDto> {
    return this.principals.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Rename, disable or enable a principal',
    description:
      'Admin only. Disabling takes effect at once on every replica, even for tokens that have not expired. The last enabled admin cannot be disabled.',
  })
  @ApiOkResponse({ type: PrincipalDto, description: 'The changed principal' })
  @ApiErrors(AuthErrorCode.PrincipalNotFound, AuthErrorCode.LastAdmin, AuditErrorCode.Unavailable)
  update(@UuidParam('id', PRINCIPAL_ID) id: string, @JsonBody() body: UpdatePrincipalDto, @CurrentActor() actor: Actor): Promise<PrincipalDto> {
    return this.principals.update(actor, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a principal',
    description: 'Admin only. A soft delete, refused at once on every replica, tokens included. The last enabled admin cannot be deleted.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(AuthErrorCode.PrincipalNotFound, AuthErrorCode.LastAdmin, AuditErrorCode.Unavailable)
  remove(@UuidParam('id', PRINCIPAL_ID) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.principals.remove(actor, id);
  }

  @Post(':id/secret')
  @HttpCode(200)
  @ApiOperation({
    summary: "Rotate a principal's secret",
    description: 'Admin only. The old secret and every token obtained with it stop working at once; the new secret is shown this once.',
  })
  @ApiOkResponse({ type: PrincipalSecretDto, description: 'The new secret, shown only now' })
  @ApiErrors(AuthErrorCode.PrincipalNotFound, AuditErrorCode.Unavailable)
  rotateSecret(@UuidParam('id', PRINCIPAL_ID) id: string, @CurrentActor() actor: Actor): Promise<PrincipalSecretDto> {
    return this.principals.rotateSecret(actor, id);
  }

  @Put(':id/grants')
  @ApiOperation({
    summary: "Replace a principal's tenant grants",
    description: 'Admin only. `tenantGrants` replaces the list (tenant ids, or `["*"]`); an admin can only have `["*"]`. Takes effect at once.',
  })
  @ApiOkResponse({ type: PrincipalDto, description: 'The principal with its new grants' })
  @ApiErrors(AuthErrorCode.PrincipalNotFound, AuthErrorCode.UnknownTenantGrant, AuditErrorCode.Unavailable)
  replaceGrants(@UuidParam('id', PRINCIPAL_ID) id: string, @JsonBody() body: ReplaceGrantsDto, @CurrentActor() actor: Actor): Promise<PrincipalDto> {
    return this.principals.replaceGrants(actor, id, body.tenantGrants);
  }
}
