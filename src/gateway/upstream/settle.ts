/**
 * How a relayed request ends, whatever carries it (HTTP or a stdio child):
 * one `request` event, and a failure turned into the error that says what
 * the client needs to know. Why the request stopped decides it: the caller
 * left, the client cancelled, the session closed, or the deadline passed
 * (then the outcome is unknown if a copy was still in flight, or had been
 * cut earlier; otherwise it never ran).
 */
import type { JSONRPCRequest, JSONRPCResponse } from '@modelcontextprotocol/client';
import { OutcomeUnknownError, RecoveryFailedError, ResilientClientError, ServerUnavailableError, type RequestDescription } from '../../client/errors.js';
import { toolNameOf } from '../../client/safety.js';
import { UpstreamCancelledError, UpstreamClosedError, UpstreamError } from './errors.js';
import type { UpstreamEvent, UpstreamRequestOptions } from './types.js';
import type { Stopper } from './wait.js';

/** Whether the request may have run: one attempt still in flight, or an earlier one whose outcome was unknown. */
export interface Progress {
  sends: number;
  inFlight: boolean;
  unknownEarlier: boolean;
}

export function freshProgress(): Progress {
  return { sends: 0, inFlight: false, unknownEarlier: false };
}

export async function settle(
  emit: (event: UpstreamEvent) => void,
  message: JSONRPCRequest,
  options: UpstreamRequestOptions,
  stopper: Stopper,
  run: (request: RequestDescription, progress: Progress) => Promise<JSONRPCResponse>,
): Promise<JSONRPCResponse> {
  const started = performance.now();
  const request: RequestDescription = { method: message.method, tool: toolNameOf(message.method, message.params) };
  const progress = freshProgress();
  const report = (ok: boolean, errorCode?: string) =>
    emit({ type: 'request', method: message.method, ok, durationMs: performance.now() - started, sends: progress.sends, errorCode });
  try {
    const response = await run(request, progress);
    report(true);
    return response;
  } catch (error) {
    const mayHaveRun = progress.inFlight || progress.unknownEarlier;
    let final: unknown = error;
    switch (stopper.why) {
      case 'caller':
        final = options.signal?.reason;
        break;
      case 'cancelled':
        final = new UpstreamCancelledError(request);
        break;
      case 'closed':
        final = new UpstreamClosedError(request, mayHaveRun);
        break;
      case 'timeout':
        final = mayHaveRun ? new OutcomeUnknownError(request, 'timeout', progress.sends, error) : new ServerUnavailableError(request, progress.sends, error);
        break;
      case undefined:
        if (final instanceof RecoveryFailedError && !final.request) final = new RecoveryFailedError(request, progress.sends, final.cause);
        else if (final instanceof ServerUnavailableError && !final.request) final = new ServerUnavailableError(request, progress.sends, final.cause);
    }
    if (final instanceof OutcomeUnknownError) emit({ type: 'outcome_unknown', method: message.method, tool: request.tool, reason: final.reason });
    report(false, final instanceof UpstreamError || final instanceof ResilientClientError ? final.code : undefined);
    throw final;
  }
}
