/**
 * Making a new child usable for a session, as one bounded sequence: start
 * and initialize it with the client's own params (a failed start retried
 * within the start budget: a crash at boot may be transient, a missing
 * command is not and fails fast enough), then replay what the client had set
 * (log level, resource subscriptions) and compare the lists it has seen, in
 * parallel.
 */
import type { InitializeRequestParams, InitializeResult } from '@modelcontextprotocol/client';
import { anySignal } from '../../client/attempts.js';
import { RetryBudget, sleep } from '../../client/backoff.js';
import type { RequestDescription } from '../../client/errors.js';
import { UpstreamClosedError, UpstreamStartError } from '../upstream/errors.js';
import type { OwnRequest } from '../upstream/resync.js';
import type { UpstreamEvent } from '../upstream/types.js';
import type { ChildRoute, StdioChild } from './child.js';
import type { ChildSupervisor } from './supervisor.js';
import type { ChildOwner } from './types.js';

export interface StartDeps {
  supervisor: ChildSupervisor;
  owner: ChildOwner;
  params: InitializeRequestParams;
  closing: AbortSignal;
  route: ChildRoute;
  emit(event: UpstreamEvent): void;
}

export interface Started {
  child: StdioChild;
  result: InitializeResult;
}

/** A new, initialized child. Refusals (no room for one, the child refused initialize) are not retried. */
export async function startChild(deps: StartDeps, request?: RequestDescription): Promise<Started> {
  const budget = new RetryBudget(deps.supervisor.config.startBudget);
  for (let attempt = 1; ; attempt++) {
    const child = await deps.supervisor.spawn(deps.owner, deps.route, request);
    try {
      return { child, result: await child.initialize(deps.params, deps.closing) };
    } catch (error) {
      if (deps.closing.aborted) throw new UpstreamClosedError(request, false);
      if (!(error instanceof UpstreamStartError)) throw error;
      deps.emit({ type: 'unreachable', during: 'handshake', attempt, error: error.message });
      const delay = budget.next();
      if (delay === undefined) throw error;
      await sleep(delay, deps.closing).catch(() => Promise.reject(new UpstreamClosedError(request, false)));
    }
  }
}

/** The gateway's own requests to a new child (replay, list checks), each bounded like a start. */
export function ownRequests(child: StdioChild, timeoutMs: number, closing: AbortSignal, nextId: () => string): OwnRequest {
  return (method, params) => {
    const message = { jsonrpc: '2.0' as const, id: nextId(), method, ...(params && { params }) };
    return child.channel.request({ message, signal: anySignal(AbortSignal.timeout(timeoutMs), closing) });
  };
}
