import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { FastifyRequest } from 'fastify';

/** What the broker's Fastify hooks and its exception filter read from a route's `config`. */
export interface BrokerRouteConfig {
  /** Errors are answered in RFC 6749 §5.2 form (the broker's token endpoint). */
  oauth?: boolean;
  /** Media types the route reads; any other body is a 415 (default: JSON only). */
  consumes?: string[];
  /** A request without a body (or with an empty one) is read as `{}`. */
  emptyBodyAsObject?: boolean;
}

/** Adds to a route's config rather than replacing it, as Nest's `@RouteConfig` would. */
export function mergeRouteConfig(handler: object, config: BrokerRouteConfig): void {
  const existing = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as BrokerRouteConfig | undefined) ?? {};
  Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...existing, ...config }, handler);
}

export function RouteOptions(config: BrokerRouteConfig): MethodDecorator {
  return (_target, _key, descriptor) => {
    mergeRouteConfig(descriptor.value as object, config);
    return descriptor;
  };
}

export function routeConfigOf(request: FastifyRequest | undefined): BrokerRouteConfig {
  return (request?.routeOptions?.config as BrokerRouteConfig | undefined) ?? {};
}
