/**
 * Making a new upstream session usable, as one bounded sequence: the
 * handshake (retried with backoff while the upstream is unreachable, up to
 * the reconnect budget), then the client's own session state replayed (log
 * level, resource subscriptions) and the lists it has seen compared, in
 * parallel, so a cold re-initialize costs about two round trips.
 */
import type { InitializeRequestParams, JSONRPCRequest } from '@modelcontextprotocol/client';
import { anySignal } from '../../client/attempts.js';
import { RetryBudget, sleep } from '../../client/backoff.js';
import { isTransient } from '../../client/classify.js';
import { ServerUnavailableError } from '../../client/errors.js';
import type { EraPreference, ResolvedUpstreamConfig } from './config.js';
import { withEnvelope } from './envelope.js';
import { UpstreamClosedError } from './errors.js';
import { exchange, ExchangeFailure, type ExchangeTarget } from './exchange.js';
import { asTypedError } from './failures.js';
import { handshake, type Established, type Link } from './handshake.js';
import { NOTHING_REPLAYED, recheckLists, replayState, type OwnRequest, type Replayed, type ReplayState } from './resync.js';
import type { UpstreamCatalog } from './catalog.js';
import type { ListKind, UpstreamEra, UpstreamEvent } from './types.js';

export interface EstablishDeps {
  config: ResolvedUpstreamConfig;
  client: InitializeRequestParams;
  closing: AbortSignal;
  nextId(): string;
  emit(event: UpstreamEvent): void;
}

export function targetFor(config: ResolvedUpstreamConfig, era?: UpstreamEra, sessionId?: string, protocolVersion?: string): ExchangeTarget {
  return {
    url: config.url,
    headers: config.headers,
    pool: config.pool,
    resumption: config.resumption,
    maxMessageBytes: config.maxMessageBytes,
    ...(sessionId !== undefined && { sessionId }),
    // A 2026-07-28 request carries its version in `_meta`; the transport derives the header from it.
    ...(era === 'legacy' && protocolVersion !== undefined && { protocolVersion }),
  };
}

/** The handshake, retried while the upstream is away (refused, 502/503/504, timed out). */
export async function connectWithRetry(deps: EstablishDeps, era: EraPreference): Promise<Established> {
  const budget = new RetryBudget(deps.config.reconnectBudget);
  for (let attempt = 1; ; attempt++) {
    const timeout = AbortSignal.timeout(deps.config.handshakeTimeoutMs);
    const signal = anySignal(timeout, deps.closing);
    try {
      return await handshake({ target: targetFor(deps.config), client: deps.client, era, signal, nextId: deps.nextId });
    } catch (error) {
      if (deps.closing.aborted) throw new UpstreamClosedError({ method: 'initialize' }, false);
      if (!(error instanceof ExchangeFailure)) throw error;
      const transient = error.garbled === undefined && (timeout.aborted || error.facts.streamCut || isTransient(error.cause));
      if (!transient) throw asTypedError(error, { method: 'initialize' });
      deps.emit({ type: 'unreachable', during: 'handshake', attempt, error: error.message });
      const delay = budget.next(error.facts.retryAfterMs ?? error.serverRetryMs);
      if (delay === undefined) throw new ServerUnavailableError({ method: 'initialize' }, attempt, error.cause);
      await sleep(delay, deps.closing).catch(() => Promise.reject(new UpstreamClosedError({ method: 'initialize' }, false)));
    }
  }
}

/** The gateway's own requests on a new session (replay, list checks), each bounded like a handshake. */
export function ownRequests(deps: EstablishDeps, target: ExchangeTarget, era: UpstreamEra): OwnRequest {
  return async (method, params) => {
    const request: JSONRPCRequest = { jsonrpc: '2.0', id: deps.nextId(), method, ...(params && { params }) };
    const signal = anySignal(AbortSignal.timeout(deps.config.handshakeTimeoutMs), deps.closing);
    const outgoing = era === 'modern' ? withEnvelope(request, deps.client, undefined) : request;
    return (await exchange(target, outgoing, { signal })).response;
  };
}


export interface Renewed {
  link: Link;
  replayed: Replayed;
  listsChanged: ListKind[];
}

/**
 * The whole sequence for a new upstream session: the handshake (retried while the upstream is unreachable; its
 * failure is what this throws), then, in parallel, the standalone stream opened by `opened`, the client's state
 * replayed and the lists it has seen compared. A 2026-07-28 upstream has no session to replay state into: the log
 * level travels in each request's `_meta`.
 */
export async function renew(
  deps: EstablishDeps,
  era: EraPreference,
  generation: number,
  client: { catalog: UpstreamCatalog; state: ReplayState },
  opened: (link: Link) => void,
): Promise<Renewed> {
  const link: Link = { ...(await connectWithRetry(deps, era)), generation };
  opened(link);
  const own = ownRequests(deps, targetFor(deps.config, link.era, link.sessionId, link.protocolVersion), link.era);
  const [replayed, listsChanged] = await Promise.all([
    link.era === 'modern' ? NOTHING_REPLAYED : replayState(own, link.result.capabilities, client.state, deps.emit),
    recheckLists(own, client.catalog),
  ]);
  return { link, replayed, listsChanged };
}
