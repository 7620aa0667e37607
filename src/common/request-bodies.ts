import { Body, Query, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import { ApiBody, ApiConsumes } from '@nestjs/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiErrors, forEachRoute } from './api-errors';
import { DomainError } from './domain-error';
import { RequestErrorCode } from './error-codes';
import { mergeRouteConfig, routeConfigOf } from './route-config';

export const JSON_MEDIA_TYPE = 'application/json';
export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const WITH_BODY_METHODS = new Set([RequestMethod.POST, RequestMethod.PUT, RequestMethod.PATCH, RequestMethod.DELETE]);

/** What a route that Fastify reads a body for may answer before its handler runs, with or without a body of its own. */
const BODY_ERRORS = [
  RequestErrorCode.MalformedJson,
  RequestErrorCode.EmptyBody,
  RequestErrorCode.InvalidContentLength,
  RequestErrorCode.BodyNestedTooDeep,
  RequestErrorCode.InvalidUtf8,
  RequestErrorCode.BodyTooLarge,
  RequestErrorCode.UnsupportedMediaType,
];

export class UnsupportedMediaTypeError extends DomainError {
  constructor(sent: string, accepted: string[]) {
    super(
      RequestErrorCode.UnsupportedMediaType,
      'unsupported_media_type',
      `${sent ? `Content-Type ${sent} is not read here` : 'The body has no Content-Type'}; send ${accepted.join(' or ')}`,
      { acceptedContentTypes: accepted },
    );
  }
}

/** The route's JSON body as its DTO, validated by the global pipe, which is documented. */
export function JsonBody(): ParameterDecorator {
  return (target, key, index) => {
    Body()(target, key, index);
    ApiErrors(RequestErrorCode.ValidationFailed)(target, key!, Object.getOwnPropertyDescriptor(target, key!)!);
  };
}

/**
 * Documents, on every route of a controller whose method carries a body (POST, PUT, PATCH,
 * DELETE), what a body can meet before the handler: Fastify reads one even where the handler
 * takes none, so a form, a malformed or an oversized body is refused there too.
 */
export function ApiBodyRefusals(): ClassDecorator {
  return (controller) => {
    forEachRoute(controller as unknown as new () => unknown, (handler, name, descriptor) => {
      if (WITH_BODY_METHODS.has(Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod)) {
        ApiErrors(...BODY_ERRORS)(controller.prototype as object, name, descriptor);
      }
    });
    return controller;
  };
}

/** The media types a route reads instead of JSON alone, for the body checks and the document alike. */
export function Consumes(...types: string[]): MethodDecorator {
  return (target, key, descriptor) => {
    mergeRouteConfig(descriptor.value as object, { consumes: types });
    ApiConsumes(...types)(target, key, descriptor);
    return descriptor;
  };
}

/** Like `JsonBody`, for bodies whose every field is optional: no body at all reads as `{}`. */
export function OptionalJsonBody(): ParameterDecorator {
  return (target, key, index) => {
    JsonBody()(target, key, index);
    const descriptor = Object.getOwnPropertyDescriptor(target, key!)!;
    mergeRouteConfig(descriptor.value as object, { emptyBodyAsObject: true });
    const type = (Reflect.getMetadata('design:paramtypes', target, key!) as unknown[])[index];
    ApiBody({ type: type as new () => unknown, required: false })(target, key!, descriptor);
  };
}

/** The query string as its DTO, validated by the global pipe; its refusal is documented. */
export function QueryParams(): ParameterDecorator {
  return (target, key, index) => {
    Query()(target, key, index);
    ApiErrors(RequestErrorCode.ValidationFailed)(target, key!, Object.getOwnPropertyDescriptor(target, key!)!);
  };
}

/**
 * Holds every route to the media types it reads: Fastify would parse a form body for any route
 * (it has a form parser for the token endpoint), and a validator that expects JSON cannot tell.
 */
export function enforceRequestBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request) => {
    if (!WITH_BODY.has(request.method) || request.is404) return;
    const config = routeConfigOf(request);
    if (config.emptyBodyAsObject && isEmpty(request)) {
      // An empty body is no body, whatever Content-Type says; JSON's parser would refuse it.
      delete request.headers['content-type'];
      return;
    }
    if (!hasBody(request)) return;
    const accepted = config.consumes ?? [JSON_MEDIA_TYPE];
    const sent = mediaTypeOf(request.headers['content-type']);
    if (!accepted.includes(sent)) throw new UnsupportedMediaTypeError(sent, accepted);
  });
  fastify.addHook('preValidation', async (request) => {
    if (request.body === undefined && routeConfigOf(request).emptyBodyAsObject) request.body = {};
  });
}

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function isEmpty(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

function hasBody(request: FastifyRequest): boolean {
  return request.headers['content-type'] !== undefined || !isEmpty(request);
}
