import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditAvailability } from './audit-availability';
import { AuditBatcher } from './audit-batcher';
import { AuditChain } from './audit-chain';
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
  imports: [TypeOrmModule.forFeature([AuditEvent])],
  controllers: [AuditController],
  providers: [AuditAvailability, AuditChain, AuditBatcher, TokenExposures, AuditService, AuditQueryService, AuditVerifier, AuditRetention],
  exports: [AuditService, AuditVerifier],
})
export class AuditModule {}
