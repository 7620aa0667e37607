import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Caller, grantedTenantIds } from '../auth/caller';
import { CurrentActor, CurrentCaller, Roles, TenantScoped } from '../auth/decorators';
import type { Actor } from '../audit/actor';
import { UuidParam } from '../common/validators';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { ListTenantsQuery } from './dto/list-tenants.query';
import { TenantDto, TenantPageDto } from './dto/tenant.dto';
import { UpdateTenantDto } from './dto/update-tenant.dto';
import { TenantsService } from './tenants.service';

@ApiTags('tenants')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @ApiCreatedResponse({ type: TenantDto })
  create(@Body() body: CreateTenantDto, @CurrentActor() actor: Actor): Promise<TenantDto> {
    return this.tenants.create(actor, body);
  }

  /** Services see only the tenants they are granted. */
  @Get()
  @Roles('admin', 'service')
  @ApiOkResponse({ type: TenantPageDto })
  list(@Query() query: ListTenantsQuery, @CurrentCaller() caller: Caller): Promise<TenantPageDto> {
    return this.tenants.list(query, grantedTenantIds(caller));
  }

  @Get(':id')
  @Roles('admin', 'service')
  @TenantScoped('id')
  @ApiOkResponse({ type: TenantDto })
  get(@UuidParam() id: string): Promise<TenantDto> {
    return this.tenants.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: TenantDto })
  update(@UuidParam() id: string, @Body() body: UpdateTenantDto, @CurrentActor() actor: Actor): Promise<TenantDto> {
    return this.tenants.update(actor, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Soft-deleted; the TIN can be registered again' })
  remove(@UuidParam() id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.tenants.remove(actor, id);
  }
}
