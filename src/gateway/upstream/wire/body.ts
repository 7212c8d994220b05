/**
 * Reading an upstream response body off node:http: whole (JSON, error
 * texts), as Server-Sent Events, or not at all. Every body is read to its
 * end or destroyed, never left half-read: a half-read response would hold
 * its keep-alive connection, and the next request on it would fail.
 * The SSE parsing is eventsource-parser's (the parser the MCP SDK itself
 * uses), fed strings straight from the socket instead of through the WHATWG
 * stream pipeline the SDK transport builds per response.
 */
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** An answer or event over the configured bound: the body is cut there, the upstream is not speaking MCP as agreed. */
export class OversizedMessageError extends Error {
  constructor(maxBytes: number) {
    super(`the upstream sent a message over ${maxBytes} bytes (maxMessageBytes); it was cut there`);
    this.name = 'OversizedMessageError';
  }
}

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';', 1)[0]!.trim().toLowerCase();
}

/** What a body that broke before its end rejects with: a socket error classify() reads as "connection lost". */
function cutError(incoming: IncomingMessage): Error {
  return incoming.errored ?? Object.assign(new Error('the upstream closed the connection before the end of its answer'), { code: 'ECONNRESET' });
}

/** Reads the whole body as UTF-8 text, keeping at most `limit` characters (the rest is read and dropped). */
export function readText(incoming: IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    incoming.setEncoding('utf8');
    incoming.on('data', (chunk: string) => {
      if (text.length < limit) text += chunk.length > limit - text.length ? chunk.slice(0, limit - text.length) : chunk;
    });
    incoming.once('end', () => resolve(text));
    incoming.once('close', () => {
      if (!incoming.complete) reject(cutError(incoming));
    });
    // Also reported through 'close' (with incoming.errored); a listener keeps it from being thrown.
    incoming.on('error', () => undefined);
  });
}

/** Reads the whole body as UTF-8 text; a body over `maxBytes` is cut there (destroyed) and rejects with OversizedMessageError. */
export function readMessage(incoming: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    incoming.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) return void incoming.destroy(new OversizedMessageError(maxBytes));
      chunks.push(chunk);
    });
    incoming.once('end', () => resolve(Buffer.concat(chunks, bytes).toString('utf8')));
    incoming.once('close', () => {
      if (!incoming.complete) reject(incoming.errored instanceof OversizedMessageError ? incoming.errored : cutError(incoming));
    });
    incoming.on('error', () => undefined); // reported through 'close', above
  });
}

/** Reads and drops the body, so the connection goes back to the pool. */
export function discard(incoming: IncomingMessage): void {
  incoming.on('error', () => undefined); // nothing is read from it; a cut only closes the connection
  incoming.resume();
}

export interface SseHandlers {
  onEvent(event: EventSourceMessage): void;
  onRetry(ms: number): void;
}

/**
 * Feeds the body to an SSE parser until it ends: resolves at a clean end,
 * rejects when the stream is cut (the connection closed first, or
 * `incoming` was destroyed by whoever no longer needs it), and with
 * OversizedMessageError when more than `maxEventBytes` arrive without an
 * event being completed (the parser would hold them all).
 */
export function readSse(incoming: IncomingMessage, handlers: SseHandlers, maxEventBytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = 0;
    let completed = false;
    // Unknown fields and bad `retry:` values are ignored, as the SSE specification says.
    const parser = createParser({
      onEvent: (event) => {
        completed = true;
        handlers.onEvent(event);
      },
      onRetry: handlers.onRetry,
    });
    const decoder = new StringDecoder('utf8');
    incoming.on('data', (chunk: Buffer) => {
      completed = false;
      parser.feed(decoder.write(chunk));
      // Bytes since the last complete event; a chunk that completed one restarts the count (its tail, at most one
      // socket read, goes uncounted), so what the parser holds stays within the bound plus one chunk.
      pending = completed ? 0 : pending + chunk.length;
      if (pending > maxEventBytes) incoming.destroy(new OversizedMessageError(maxEventBytes));
    });
    incoming.once('end', () => resolve());
    incoming.once('close', () => {
      if (!incoming.complete) reject(incoming.errored instanceof OversizedMessageError ? incoming.errored : cutError(incoming));
    });
    incoming.on('error', () => undefined); // reported through 'close', above
  });
}
