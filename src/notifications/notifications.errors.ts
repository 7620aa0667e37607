import { DomainError } from '../common/domain-error';
import { defineErrorCodes } from '../common/error-codes';

export enum WebhookErrorCode {
  EndpointNotFound = 'webhook_not_found',
  DeliveryNotFound = 'webhook_delivery_not_found',
}

const KIND = defineErrorCodes<WebhookErrorCode>({
  [WebhookErrorCode.EndpointNotFound]: 'not_found',
  [WebhookErrorCode.DeliveryNotFound]: 'not_found',
});

export class WebhookError extends DomainError {
  constructor(code: WebhookErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, KIND[code], message, details);
  }

  static endpointNotFound(id: string): WebhookError {
    return new WebhookError(WebhookErrorCode.EndpointNotFound, `Webhook endpoint ${id} does not exist`);
  }

  static deliveryNotFound(id: string): WebhookError {
    return new WebhookError(WebhookErrorCode.DeliveryNotFound, `Webhook delivery ${id} does not exist`);
  }
}
