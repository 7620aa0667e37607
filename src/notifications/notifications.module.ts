import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { VaultModule } from '../vault/vault.module';
import { AuditOutageReporter } from './audit-outage-reporter';
import { BudgetRiskWatch } from './budget-risk-watch';
import { CheckpointSigning } from './checkpoint-signing';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookOutbox } from './webhook-outbox';
import { webhookEndpointEnvelopes, WebhookSecrets } from './webhook-secrets';
import { WebhookSender } from './webhook-sender';
import { WebhooksController } from './webhooks.controller';

/** Webhook endpoints, the outbox filled from audit events, signed deliveries, and what decides that something is worth telling. */
@Module({
  imports: [VaultModule, AuthModule],
  controllers: [WebhooksController],
  providers: [
    webhookEndpointEnvelopes,
    WebhookSecrets,
    WebhookOutbox,
    WebhookSender,
    WebhookDispatcher,
    WebhookEndpointsService,
    WebhookDeliveriesService,
    BudgetRiskWatch,
    AuditOutageReporter,
    CheckpointSigning,
  ],
})
export class NotificationsModule {}
