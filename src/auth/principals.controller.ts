import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { UuidParam } from '../common/validators';
import type { Actor } from '../audit/actor';
import { CurrentActor, Roles } from './decorators';
import { CreatePrincipalDto } from './dto/create-principal.dto';
import { ListPrincipalsQuery } from './dto/list-principals.query';
import { PrincipalDto, PrincipalPageDto, PrincipalWithSecretDto } from './dto/principal.dto';
import { ReplaceGrantsDto, UpdatePrincipalDto } from './dto/update-principal.dto';
import { PrincipalsService } from './principals.service';

@ApiTags('principals')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/principals')
export class PrincipalsController {
  constructor(private readonly principals: PrincipalsService) {}

  @Post()
  @ApiCreatedResponse({ type: PrincipalWithSecretDto, description: 'The only time clientSecret is shown' })
  create(@Body() body: CreatePrincipalDto, @CurrentActor() actor: Actor): Promise<PrincipalWithSecretDto> {
    return this.principals.create(actor, body);
  }

  @Get()
  @ApiOkResponse({ type: PrincipalPageDto })
  list(@Query() query: ListPrincipalsQuery): Promise<PrincipalPageDto> {
    return this.principals.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: PrincipalDto })
  get(@UuidParam() id: string): Promise<PrincipalDto> {
    return this.principals.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: PrincipalDto })
  update(@UuidParam() id: string, @Body() body: UpdatePrincipalDto, @CurrentActor() actor: Actor): Promise<PrincipalDto> {
    return this.principals.update(actor, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(@UuidParam() id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.principals.remove(actor, id);
  }

  @Post(':id/secret')
  @HttpCode(200)
  @ApiOkResponse({ description: '{ clientId, clientSecret }: the new secret, shown only now' })
  rotateSecret(@UuidParam() id: string, @CurrentActor() actor: Actor): Promise<{ clientId: string; clientSecret: string }> {
    return this.principals.rotateSecret(actor, id);
  }

  @Put(':id/grants')
  @ApiOkResponse({ type: PrincipalDto })
  replaceGrants(@UuidParam() id: string, @Body() body: ReplaceGrantsDto, @CurrentActor() actor: Actor): Promise<PrincipalDto> {
    return this.principals.replaceGrants(actor, id, body.tenantGrants);
  }
}
