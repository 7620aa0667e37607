import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditAvailability } from './audit-availability';
import { AuditBatcher } from './audit-batcher';
import { AuditChain } from './audit-chain';
import { AuditCheckpoint } from './audit-checkpoint.entity';
import { AuditCheckpoints } from './audit-checkpoints';
import { AuditController } from './audit.controller';
import { AuditEvent } from './audit-event.entity';
import { AuditQueryService } from './audit-query.service';
import { AuditRetention } from './audit-retention';
import { AuditService } from './audit.service';
import { AuditVerifier } from './audit-verifier';
import { TokenExposures } from './token-exposures';

/** Global: every module writes to the audit log through AuditService. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent, AuditCheckpoint])],
  controllers: [AuditController],
  providers: [AuditAvailability, AuditChain, AuditBatcher, TokenExposures, AuditService, AuditQueryService, AuditVerifier, AuditRetention, AuditCheckpoints],
  exports: [AuditService, AuditVerifier, AuditAvailability, AuditCheckpoints],
})
export class AuditModule {}
