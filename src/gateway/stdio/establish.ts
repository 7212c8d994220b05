/**
 * Making a new child usable for a session, as one bounded sequence: start
 * and initialize it with the client's own params (a failed start retried
 * within the start budget: a crash at boot may be transient, a missing
 * command is not and fails fast enough), then replay what the client had set
 * (log level, resource subscriptions) and compare the lists it has seen, in
 * parallel.
 */
import type { InitializeRequestParams, InitializeResult, JSONRPCResponse, LoggingLevel, ServerCapabilities } from '@modelcontextprotocol/client';
import { anySignal } from '../../client/attempts.js';
import { RetryBudget, sleep } from '../../client/backoff.js';
import type { RequestDescription } from '../../client/errors.js';
import type { UpstreamCatalog } from '../upstream/catalog.js';
import { UpstreamClosedError, UpstreamStartError } from '../upstream/errors.js';
import type { ListKind, UpstreamEvent } from '../upstream/types.js';
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

/** The gateway's own requests to a child (replay, list checks), each bounded like a start. */
export class OwnRequests {
  readonly #child: StdioChild;
  readonly #timeoutMs: number;
  readonly #closing: AbortSignal;
  readonly #nextId: () => string;

  constructor(child: StdioChild, timeoutMs: number, closing: AbortSignal, nextId: () => string) {
    this.#child = child;
    this.#timeoutMs = timeoutMs;
    this.#closing = closing;
    this.#nextId = nextId;
  }

  send(method: string, params?: Record<string, unknown>): Promise<JSONRPCResponse> {
    const message = { jsonrpc: '2.0' as const, id: this.#nextId(), method, ...(params && { params }) };
    return this.#child.channel.request({ message, signal: anySignal(AbortSignal.timeout(this.#timeoutMs), this.#closing) });
  }
}

export interface ReplayState {
  logLevel: LoggingLevel | undefined;
  subscriptions: ReadonlySet<string>;
}

/**
 * Re-applies what the client had set on its old child. Failures are
 * reported, not thrown: the request that needed the new child can still
 * succeed without them.
 */
export async function replayState(own: OwnRequests, capabilities: ServerCapabilities, state: ReplayState, emit: (event: UpstreamEvent) => void) {
  const replayed = { logLevel: undefined as LoggingLevel | undefined, subscriptions: 0 };
  const steps: Array<Promise<void>> = [];
  const step = (what: string, method: string, params: Record<string, unknown>, done: () => void) =>
    steps.push(
      own.send(method, params).then(
        (response) => ('error' in response ? emit({ type: 'replay_failed', what, error: response.error.message }) : done()),
        (error: unknown) => emit({ type: 'replay_failed', what, error: String(error) }),
      ),
    );
  const level = state.logLevel;
  if (level !== undefined && capabilities.logging) step(`logging/setLevel ${level}`, 'logging/setLevel', { level }, () => (replayed.logLevel = level));
  if (capabilities.resources?.subscribe) {
    for (const uri of state.subscriptions) step(`resources/subscribe ${uri}`, 'resources/subscribe', { uri }, () => replayed.subscriptions++);
  }
  await Promise.all(steps);
  return replayed;
}

/** Lists the client has seen, fetched from the new child; the kinds whose first page differs. */
export async function recheckLists(own: OwnRequests, catalog: UpstreamCatalog): Promise<ListKind[]> {
  const changed: ListKind[] = [];
  await Promise.all(
    catalog.seenKinds.map(async (kind) => {
      const method = `${kind}/list`;
      try {
        if (catalog.learn(method, undefined, await own.send(method), false).differs) changed.push(kind);
      } catch {
        // Could not look: say it changed, so the client lists again rather than trusting a stale list.
        changed.push(kind);
      }
    }),
  );
  return changed.sort();
}
