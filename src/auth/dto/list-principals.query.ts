import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { ROLES } from '../principal.entity';
import type { Role } from '../principal.entity';

export class ListPrincipalsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: ROLES })
  @IsIn(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` })
  @IsOptional()
  role?: Role;
}
