/** A `POST /connect/token` as the simulator needs it, free of the HTTP framework. */
export interface TokenRequest {
  /** The media type, lower-cased, without parameters; undefined when the header is absent. */
  contentType: string | undefined;
  /** The parsed body: form fields for a form, whatever the parser made of anything else. */
  body: unknown;
  authorization: string | undefined;
  onBehalfOf: string | string[] | undefined;
}

/**
 * The client ID that faults, rate limits and counters go by: the body's `client_id`, even in a
 * refused request (JSON body, placeholder, unknown client), since that is what a gateway sees.
 */
export function clientIdOf(request: TokenRequest): string | undefined {
  const { body } = request;
  if (typeof body !== 'object' || body === null) return undefined;
  const clientId = (body as Record<string, unknown>).client_id;
  return typeof clientId === 'string' ? clientId : undefined;
}

/** `application/x-www-form-urlencoded; charset=utf-8` -> `application/x-www-form-urlencoded`. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const mediaType = contentType?.split(';')[0].trim().toLowerCase();
  return mediaType || undefined;
}
