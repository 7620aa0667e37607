import { BadRequestException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { DomainError } from './domain-error';
import { RequestErrorCode } from './error-codes';
import { jsonDepthExceeds } from './json-depth';
import { FORM_MEDIA_TYPE, JSON_MEDIA_TYPE } from './request-bodies';

/**
 * The deepest nesting of arrays and objects a JSON body may have. No request of the API needs
 * more than a few levels; a body nested thousands deep would exhaust the stack of whatever walks
 * it later (class-transformer does), so it is refused while it is still bytes.
 */
export const MAX_JSON_DEPTH = 32;

export class BodyNestedTooDeepError extends DomainError {
  constructor() {
    super(RequestErrorCode.BodyNestedTooDeep, 'invalid', `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, {
      maxDepth: MAX_JSON_DEPTH,
    });
  }
}

export class BodyNotUtf8Error extends DomainError {
  constructor() {
    // Replacing bad bytes with U+FFFD would store a value nobody sent (a secret that can never work).
    super(RequestErrorCode.InvalidUtf8, 'invalid', 'The request body is not valid UTF-8');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text, refusing bytes that are not UTF-8 rather than replacing them. */
function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new BodyNotUtf8Error();
  }
}

/** `a=1&b=2` with every escape decoded as UTF-8, a repeated field as an array, `__proto__` refused. */
function parseForm(text: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const part of text.split('&')) {
    if (part === '') continue;
    const at = part.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent((at < 0 ? part : part.slice(0, at)).replace(/\+/g, ' '));
      value = at < 0 ? '' : decodeURIComponent(part.slice(at + 1).replace(/\+/g, ' '));
    } catch {
      throw new BodyNotUtf8Error();
    }
    if (name === '__proto__') throw new BadRequestException('Object contains forbidden prototype property');
    const known = fields[name];
    fields[name] = known === undefined ? value : Array.isArray(known) ? [...known, value] : [known, value];
  }
  return fields;
}

/**
 * JSON and form bodies, read from their bytes: invalid UTF-8 and JSON nested deeper than
 * `MAX_JSON_DEPTH` are refused with a 400 before anything else sees the body.
 */
export function useStrictBodyParsers(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser(JSON_MEDIA_TYPE, { bodyLimit }, (request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void) => {
    try {
      const text = decodeUtf8(body);
      if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) throw new BodyNestedTooDeepError();
      parseJson(request, text, done);
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.useBodyParser(FORM_MEDIA_TYPE, { bodyLimit }, (_request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void) => {
    try {
      done(null, parseForm(decodeUtf8(body)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
