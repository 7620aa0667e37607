import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { DisplayName, Required, IsOptionalButNotNull } from '../../common/validators';
import { ENVIRONMENTS } from '../../common/environment';
import type { Environment } from '../../common/environment';
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
  @IsOptionalButNotNull()
  brn?: string;

  @ApiProperty({ enum: ENVIRONMENTS })
  @IsIn(ENVIRONMENTS, { message: `environment must be one of: ${ENVIRONMENTS.join(', ')}` })
  @Required()
  environment!: Environment;
}
