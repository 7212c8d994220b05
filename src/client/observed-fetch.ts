/**
 * A fetch wrapper handed to the SDK transport. It is the one place that sees
 * raw HTTP: it strips our attempt marker, records status and `Retry-After` on
 * the attempt, reads the SSE `retry:` field, and watches GET streams (the
 * standalone stream and stream resumptions) so the connection learns at once
 * when the server has gone away or forgotten the session, without waiting
 * for the next request.
 */
import type { FetchLike } from '@modelcontextprotocol/client';
import { ATTEMPT_HEADER, type AttemptTracker } from './attempts.js';
import { parseRetryAfter } from './backoff.js';

export type GetStreamEvent =
  | { kind: 'opened' }
  /** The server has no standalone stream (405): nothing to wait for. */
  | { kind: 'unsupported' }
  | { kind: 'rejected'; status: number; body: string }
  /** The GET itself failed (nothing listening, connection reset). */
  | { kind: 'failed'; error: unknown }
  /** An open stream ended or broke. */
  | { kind: 'ended'; error: unknown };

export interface FetchObserver {
  onGetStream(event: GetStreamEvent): void;
  onServerRetry(ms: number): void;
}

/** Longest partial SSE line kept between chunks while looking for `retry:`. */
const MAX_CARRY = 1024;

function watchBody(
  body: ReadableStream<Uint8Array>,
  onText: ((text: string) => void) | undefined,
  onEnd: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let ended = false;
  const end = (error: unknown) => {
    if (ended) return;
    ended = true;
    onEnd(error);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end(undefined);
          controller.close();
          return;
        }
        onText?.(decoder.decode(value, { stream: true }));
        controller.enqueue(value);
      } catch (error) {
        end(error);
        controller.error(error);
      }
    },
    cancel(reason) {
      // The SDK cancels on close or abort: deliberate, so not reported as a loss.
      ended = true;
      return reader.cancel(reason);
    },
  });
}

/** Finds `retry: <ms>` lines in a stream of SSE text, across chunk boundaries. */
function retryScanner(onRetry: (ms: number) => void): (text: string) => void {
  let carry = '';
  return (text) => {
    const lines = (carry + text).split(/\r\n|\r|\n/);
    carry = (lines.pop() ?? '').slice(-MAX_CARRY);
    for (const line of lines) {
      const match = /^retry:\s*(\d+)\s*$/.exec(line);
      if (match) onRetry(Number(match[1]));
    }
  };
}

/** `tracker` is absent for a transport that only carries a GET stream (no attempts to record). */
export function observedFetch(base: FetchLike, tracker: AttemptTracker | undefined, observer: FetchObserver): FetchLike {
  return async (url, init) => {
    const headers = new Headers(init?.headers);
    const attempt = tracker?.get(headers.get(ATTEMPT_HEADER));
    headers.delete(ATTEMPT_HEADER);
    const isGet = (init?.method ?? 'GET').toUpperCase() === 'GET';

    let response: Response;
    try {
      response = await base(url, { ...init, headers });
    } catch (error) {
      if (isGet) observer.onGetStream({ kind: 'failed', error });
      throw error;
    }

    attempt?.recordResponse(response.status, parseRetryAfter(response.headers.get('retry-after')));
    if (isGet && !response.ok) {
      if (response.status === 405) observer.onGetStream({ kind: 'unsupported' });
      else observer.onGetStream({ kind: 'rejected', status: response.status, body: await response.clone().text().catch(() => '') });
      return response;
    }

    const isSse = response.headers.get('content-type')?.toLowerCase().startsWith('text/event-stream') ?? false;
    if (!response.ok || !isSse || !response.body) return response;
    if (isGet) observer.onGetStream({ kind: 'opened' });
    const body = watchBody(response.body, retryScanner((ms) => observer.onServerRetry(ms)), (error) => {
      if (isGet) observer.onGetStream({ kind: 'ended', error });
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
