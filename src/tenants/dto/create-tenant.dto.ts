import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { DisplayName, Required } from '../../common/validators';
import { ENVIRONMENTS } from '../tenant.entity';
import type { Environment } from '../tenant.entity';
import { IsBrn, IsTin } from './tin.decorators';

// Validation runs bottom-up and stops at the first failure per field (see common/validation.ts).
export class CreateTenantDto {
  @ApiProperty({ maxLength: 200, example: 'Syarikat Contoh Sdn Bhd' })
  @DisplayName()
  name!: string;

  @ApiProperty({ example: 'C1234567890', description: 'Trimmed, upper-cased and stripped of spaces before it is checked' })
  @IsTin()
  @Required()
  tin!: string;

  @ApiPropertyOptional({ example: '201901234567', description: 'Business registration number, 12 digits' })
  @IsBrn()
  @IsOptional()
  brn?: string;

  @ApiProperty({ enum: ENVIRONMENTS })
  @IsIn(ENVIRONMENTS, { message: `environment must be one of: ${ENVIRONMENTS.join(', ')}` })
  @Required()
  environment!: Environment;
}
