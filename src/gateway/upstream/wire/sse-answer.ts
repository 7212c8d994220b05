/**
 * A request's answer as an SSE stream: messages in order, the response last.
 * When the stream ends or breaks before the response and the upstream gave
 * its events ids (a priming event, 2025-11-25), the stream is resumed with
 * GET + Last-Event-ID after the server's `retry:` (or the configured
 * backoff), as the SDK transport does: up to `resumption.maxRetries` failed
 * tries in a row, and again after each resumed stream that opened. Without
 * ids, or when resuming fails, the stream was cut: the outcome is unknown.
 */
import type { IncomingMessage } from 'node:http';
import { SdkError, SdkErrorCode, type JSONRPCRequest, type JSONRPCResponse } from '@modelcontextprotocol/client';
import { sleep } from '../../../client/backoff.js';
import type { AttemptFacts } from '../../../client/classify.js';
import type { ExchangeTarget } from '../exchange-outcome.js';
import type { UpstreamMessage } from '../types.js';
import { discard, mediaType, OversizedMessageError, readSse } from './body.js';
import { getHeaders } from './headers.js';
import { kindOf } from './messages.js';

/** What the exchange learns while reading, for its ExchangeFailure. */
export interface AnswerState {
  garbled: unknown;
  serverRetryMs: number | undefined;
}

/**
 * After the response, the rest of its stream (normally just its end) is read
 * so the connection can be reused; an upstream that keeps the stream open
 * longer than this loses the connection instead.
 */
const DRAIN_MS = 1_000;

function resumptionDelay(target: ExchangeTarget, state: AnswerState, attempt: number): number {
  if (state.serverRetryMs !== undefined) return state.serverRetryMs;
  const { initialReconnectionDelay, reconnectionDelayGrowFactor, maxReconnectionDelay } = target.resumption;
  return Math.min(initialReconnectionDelay * reconnectionDelayGrowFactor ** attempt, maxReconnectionDelay);
}

/** GET the stream again from `lastEventId`: its body when it opened as SSE, else undefined (405: the upstream cannot resume). */
async function resume(target: ExchangeTarget, lastEventId: string, signal: AbortSignal): Promise<IncomingMessage | 'unsupported' | undefined> {
  let incoming: IncomingMessage;
  try {
    incoming = await target.pool.send(target.url, { method: 'GET', headers: getHeaders(target, lastEventId), signal });
  } catch {
    return undefined; // not there (yet): counts as one failed try
  }
  const status = incoming.statusCode ?? 0;
  if (status >= 200 && status <= 299 && mediaType(incoming.headers['content-type']) === 'text/event-stream') return incoming;
  discard(incoming);
  return status === 405 ? 'unsupported' : undefined;
}

export function sseAnswer(
  target: ExchangeTarget,
  id: JSONRPCRequest['id'],
  first: IncomingMessage,
  options: { signal: AbortSignal; onRelated?: (message: UpstreamMessage) => void },
  state: AnswerState,
  facts: AttemptFacts,
): Promise<JSONRPCResponse> {
  const { signal } = options;
  return new Promise<JSONRPCResponse>((resolve, reject) => {
    let answered = false;
    let lastEventId: string | undefined;
    let failedTries = 0;

    const read = (incoming: IncomingMessage) => {
      let drain: NodeJS.Timeout | undefined;
      const onEvent = (event: { id?: string | undefined; event?: string | undefined; data: string }) => {
        if (event.id) lastEventId = event.id;
        if (answered || !event.data || (event.event !== undefined && event.event !== 'message')) return;
        let message: unknown;
        try {
          message = JSON.parse(event.data);
        } catch (error) {
          state.garbled ??= error;
          return;
        }
        const kind = kindOf(message);
        if (kind === undefined) {
          state.garbled ??= new SyntaxError(`not a JSON-RPC message: ${event.data.slice(0, 120)}`);
          return;
        }
        if (kind !== 'response') return options.onRelated?.(message as UpstreamMessage); // checked by kindOf
        // A response for another id on our stream would be the upstream's bug; it is nobody's here.
        if ((message as JSONRPCResponse).id !== id) return;
        answered = true;
        resolve(message as JSONRPCResponse);
        drain = setTimeout(() => incoming.destroy(), DRAIN_MS);
        drain.unref();
      };
      readSse(incoming, { onEvent, onRetry: (ms) => (state.serverRetryMs = ms) }, target.maxMessageBytes).then(
        () => ended(undefined, drain),
        (error: unknown) => ended(error, drain),
      );
    };

    const ended = (cause: unknown, drain: NodeJS.Timeout | undefined) => {
      clearTimeout(drain);
      if (answered) return;
      if (signal.aborted) return reject(signal.reason);
      // An over-long event is the upstream's fault, not the network's: resuming would only send it again.
      if (cause instanceof OversizedMessageError) {
        state.garbled ??= cause;
        return cut(cause);
      }
      // Only a stream whose events have ids can be resumed; a POST stream without them is simply over.
      if (lastEventId === undefined) return cut(cause);
      void again(lastEventId);
    };

    const again = async (from: string) => {
      while (failedTries < target.resumption.maxRetries) {
        const delay = resumptionDelay(target, state, failedTries);
        failedTries++;
        try {
          await sleep(delay, signal);
        } catch {
          return reject(signal.reason);
        }
        const resumed = await resume(target, from, signal);
        if (signal.aborted) return reject(signal.reason);
        if (resumed === 'unsupported') break;
        if (resumed) {
          failedTries = 0; // a stream that opens starts the count again, as in the SDK transport
          return read(resumed);
        }
      }
      cut(undefined);
    };

    const cut = (cause: unknown) => {
      facts.streamCut = true;
      reject(new SdkError(SdkErrorCode.ConnectionClosed, 'The response stream ended before the response arrived', cause === undefined ? undefined : { cause }));
    };

    read(first);
  });
}
