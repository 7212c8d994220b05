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
import { createParser, type EventSourceMessage } from 'eventsource-parser';

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
 * `incoming` was destroyed by whoever no longer needs it).
 */
export function readSse(incoming: IncomingMessage, handlers: SseHandlers): Promise<void> {
  return new Promise((resolve, reject) => {
    // Unknown fields and bad `retry:` values are ignored, as the SSE specification says.
    const parser = createParser({ onEvent: handlers.onEvent, onRetry: handlers.onRetry });
    incoming.setEncoding('utf8');
    incoming.on('data', (chunk: string) => parser.feed(chunk));
    incoming.once('end', () => resolve());
    incoming.once('close', () => {
      if (!incoming.complete) reject(cutError(incoming));
    });
    incoming.on('error', () => undefined); // reported through 'close', above
  });
}
