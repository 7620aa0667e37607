import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination';
import { ROLES } from '../../../common/caller';
import type { Role } from '../../../common/caller';

export class ListPrincipalsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: ROLES })
  @IsIn(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` })
  @IsOptional()
  role?: Role;
}
