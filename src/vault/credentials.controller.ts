import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { UuidParam } from '../common/validators';
import { CredentialsService } from './credentials.service';
import { CreateCredentialDto } from './dto/create-credential.dto';
import { CredentialDto, CredentialPageDto } from './dto/credential.dto';
import { ListCredentialsQuery } from './dto/list-credentials.query';
import { ReplaceSecretsDto, UpdateCredentialDto } from './dto/update-credential.dto';

@ApiTags('credentials')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post()
  @ApiCreatedResponse({ type: CredentialDto })
  create(@Body() body: CreateCredentialDto, @CurrentActor() actor: Actor): Promise<CredentialDto> {
    return this.credentials.create(actor, body);
  }

  @Get()
  @ApiOkResponse({ type: CredentialPageDto })
  list(@Query() query: ListCredentialsQuery): Promise<CredentialPageDto> {
    return this.credentials.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: CredentialDto })
  get(@UuidParam() id: string): Promise<CredentialDto> {
    return this.credentials.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: CredentialDto })
  update(@UuidParam() id: string, @Body() body: UpdateCredentialDto, @CurrentActor() actor: Actor): Promise<CredentialDto> {
    return this.credentials.update(actor, id, body);
  }

  @Put(':id/secrets')
  @ApiOkResponse({ type: CredentialDto, description: 'Status becomes unverified' })
  replaceSecrets(@UuidParam() id: string, @Body() body: ReplaceSecretsDto, @CurrentActor() actor: Actor): Promise<CredentialDto> {
    return this.credentials.replaceSecrets(actor, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: '409 while tenants use it' })
  remove(@UuidParam() id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.credentials.remove(actor, id);
  }
}
