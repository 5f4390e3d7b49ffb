import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Refusal } from './codes.js';

function bodyOf(refusal: Refusal, requestId: string): string {
  return JSON.stringify({ message: refusal.message, request_id: requestId, code: refusal.code });
}

/**
 * Answers an upgrade request with a plain HTTP error on the raw socket (the upgrade
 * never happens) and ends the connection. The body is the house's JSON error shape.
 */
export function refuseUpgrade(socket: Duplex, refusal: Refusal, requestId: string, retryAfterSeconds?: number): void {
  if (socket.destroyed) return;
  const body = bodyOf(refusal, requestId);
  socket.end(
    `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\n` +
      'Connection: close\r\n' +
      (retryAfterSeconds === undefined ? '' : `Retry-After: ${retryAfterSeconds}\r\n`) +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
  // A client that never closes its side must not hold the socket for ever.
  setTimeout(() => socket.destroy(), 2_000).unref();
}

/** The same answer to a plain (non-upgrade) HTTP request. */
export function refuseRequest(res: ServerResponse, refusal: Refusal, requestId: string): void {
  res.writeHead(refusal.status, { 'content-type': 'application/json' });
  res.end(bodyOf(refusal, requestId));
}
