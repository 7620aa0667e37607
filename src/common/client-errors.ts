import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/** What Node's parser refuses before Fastify sees a request, in the service's error shape. */
function refusalOf(error: NodeJS.ErrnoException): { statusCode: number; code: string; message: string } {
  if (error.code === 'HPE_HEADER_OVERFLOW') return { statusCode: 431, code: 'headers_too_large', message: 'The request headers are larger than the limit' };
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { statusCode: 408, code: 'request_timeout', message: 'The request took too long to arrive' };
  return { statusCode: 400, code: 'bad_request', message: 'The request could not be read as HTTP (a bad request target or header)' };
}

/**
 * Fastify's `clientErrorHandler`: a request Node cannot parse (headers too large, a NUL in a
 * header, a bad request target) is answered like every other error, with a `code`, and the
 * connection closed, as Node would.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const refusal = refusalOf(error);
  const body = JSON.stringify(refusal);
  socket.end(
    `HTTP/1.1 ${refusal.statusCode} ${STATUS_CODES[refusal.statusCode]}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body,
  );
}
