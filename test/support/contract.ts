import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { HttpResult } from './http';

type Schema = Record<string, any>;

export interface Operation {
  method: string;
  /** As the document names it: `/v1/tenants/{id}`. */
  path: string;
  key: string;
  definition: Schema;
  /** Has a security requirement: the guard answers it without a token. */
  secured: boolean;
  /** Media types of its request body, when it has one. */
  bodyTypes: string[];
}

/** Keywords of OpenAPI 3.1's schema dialect that are annotations to a JSON Schema validator. */
const OPENAPI_KEYWORDS = ['example', 'discriminator', 'xml', 'externalDocs'];
const COMBINERS = ['allOf', 'anyOf', 'oneOf'];

/**
 * The served OpenAPI document as a contract: checked with a maintained OpenAPI validator, then
 * every answer of the service is held to it, status and body (ajv, JSON Schema 2020-12 as
 * OpenAPI 3.1 says). Objects are closed while checking: a field the document does not name
 * fails, so that generated clients see everything the service sends.
 */
export class Contract {
  private readonly ajv = addFormats(new Ajv2020({ allErrors: true, strict: true, keywords: OPENAPI_KEYWORDS }));
  private readonly validators = new Map<string, ValidateFunction>();
  /** Statuses seen per operation, to tell which operations were never answered with success. */
  readonly seen = new Map<string, Set<number>>();

  private constructor(
    readonly document: Schema,
    readonly operations: Operation[],
  ) {}

  static async load(baseUrl: string): Promise<Contract> {
    const response = await fetch(`${baseUrl}/docs/json`);
    if (response.status !== 200) throw new Error(`/docs/json answered ${response.status}`);
    const served = (await response.json()) as Schema;
    // validate() dereferences what it is given; each gets its own copy.
    await SwaggerParser.validate(structuredClone(served) as never);
    const document = (await SwaggerParser.dereference(structuredClone(served) as never)) as Schema;
    const operations = Object.entries(document.paths as Record<string, Schema>).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
        .map(([method, definition]) => ({
          method: method.toUpperCase(),
          path,
          key: `${method.toUpperCase()} ${path}`,
          definition: definition as Schema,
          secured: ((definition as Schema).security ?? document.security ?? []).length > 0,
          bodyTypes: Object.keys((definition as Schema).requestBody?.content ?? {}),
        })),
    );
    return new Contract(served, operations);
  }

  operation(key: string): Operation {
    const operation = this.operations.find((candidate) => candidate.key === key);
    if (!operation) throw new Error(`the document has no operation ${key}`);
    return operation;
  }

  /**
   * Fails unless the document lists the answer's status for the operation and the body matches
   * the schema it gives that status (and the headers it requires are there).
   */
  check(key: string, result: HttpResult, context = ''): void {
    const operation = this.operation(key);
    const where = `${key}${context ? ` (${context})` : ''}`;
    this.seen.set(key, (this.seen.get(key) ?? new Set()).add(result.status));
    const response = operation.definition.responses[String(result.status)];
    if (!response) {
      const listed = Object.keys(operation.definition.responses).join(', ');
      throw new Error(`${where} answered ${result.status}, which the document does not list (it lists ${listed}):\n${result.text.slice(0, 500)}`);
    }
    for (const [name, header] of Object.entries<Schema>(response.headers ?? {})) {
      if (header.required && !result.headers.has(name)) throw new Error(`${where} answered ${result.status} without the ${name} header the document requires`);
    }
    const content = response.content as Record<string, Schema> | undefined;
    if (!content) {
      if (result.text !== '') throw new Error(`${where} answered ${result.status} with a body the document does not describe:\n${result.text.slice(0, 500)}`);
      return;
    }
    const mediaType = (result.headers.get('content-type') ?? '').split(';')[0].trim();
    if (!content[mediaType]) throw new Error(`${where} answered ${result.status} as ${mediaType}; the document says ${Object.keys(content).join(', ')}`);
    const validate = this.validatorFor(`${key} ${result.status} ${mediaType}`, content[mediaType].schema ?? {});
    if (!validate(mediaType === 'application/json' ? result.body : result.text)) {
      throw new Error(
        `${where} answered ${result.status} with a body that does not match the document:\n` +
          `${this.ajv.errorsText(validate.errors, { separator: '\n' })}\n${result.text.slice(0, 800)}`,
      );
    }
  }

  private validatorFor(id: string, schema: Schema): ValidateFunction {
    let validate = this.validators.get(id);
    if (!validate) {
      validate = this.ajv.compile(closed(schema));
      this.validators.set(id, validate);
    }
    return validate;
  }
}

/**
 * A copy of a dereferenced schema in which every object schema that says nothing about other
 * properties refuses them. Members of allOf stay open (their container is closed with
 * unevaluatedProperties, which sees through them); each member of anyOf/oneOf is closed itself.
 */
function closed(schema: Schema, member = false): Schema {
  if (typeof schema !== 'object' || schema === null) return schema;
  if (Array.isArray(schema)) return schema.map((item) => closed(item, member));
  const copy: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' || key === '$defs' || key === 'patternProperties') {
      copy[key] = Object.fromEntries(Object.entries(value as Schema).map(([name, property]) => [name, closed(property)]));
    } else if (COMBINERS.includes(key)) {
      // allOf members add up to one object, closed as a whole; each anyOf/oneOf member stands alone.
      copy[key] = (value as Schema[]).map((item) => closed(item, key === 'allOf'));
    } else if (['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains'].includes(key) && typeof value === 'object') {
      copy[key] = closed(value as Schema);
    } else {
      copy[key] = value;
    }
  }
  // An allOf of objects (a $ref with a description beside it, say) is an object too.
  const objectMembers = Array.isArray(copy.allOf) && (copy.allOf as Schema[]).every((item) => item.type === 'object' || item.properties !== undefined);
  const describesObject = copy.properties !== undefined || objectMembers;
  const saysNothing = !('additionalProperties' in copy) && !('unevaluatedProperties' in copy);
  if (!member && describesObject && saysNothing) {
    copy.unevaluatedProperties = false;
    if (objectMembers && copy.type === undefined) copy.type = 'object';
  }
  return copy;
}
