/**
 * The path of one relayed request: wait for a usable upstream session, send
 * the message as it is (plus the `_meta` identity a 2026-07-28 upstream
 * needs), and when an attempt fails let the client's rules decide
 * (retry-rules.ts): recover a lost session and re-send (the upstream did not
 * process it), back off on a refusal, repeat a request of unknown outcome
 * once only when it cannot change anything, and otherwise fail with a typed
 * error. One deadline bounds it all, recovery included.
 */
import { isJSONRPCResultResponse, type JSONRPCRequest, type JSONRPCResponse } from '@modelcontextprotocol/client';
import { anySignal } from '../../client/attempts.js';
import { RetryBudget, sleep } from '../../client/backoff.js';
import { httpStatus } from '../../client/classify.js';
import { RecoveryFailedError, ServerUnavailableError, type RequestDescription } from '../../client/errors.js';
import { RetryRules } from '../../client/retry-rules.js';
import { isSafeToRepeat } from '../../client/safety.js';
import type { SessionState } from '../../client/session-state.js';
import { listKindOf, type UpstreamCatalog } from './catalog.js';
import type { ResolvedUpstreamConfig } from './config.js';
import { withEnvelope } from './envelope.js';
import { UpstreamClosedError } from './errors.js';
import { freshProgress, settle, type Progress } from './settle.js';
import { exchange, ExchangeFailure, post, type ExchangeTarget } from './exchange.js';
import { asTypedError, errorResponseIn, verdict } from './failures.js';
import type { Link } from './handshake.js';
import type { FrontIdentity, RecreateReason, UpstreamEvent, UpstreamMessage, UpstreamRequestOptions } from './types.js';
import type { Stopper } from './wait.js';

/** One upstream session as requests use it; replaced, never mutated, when the upstream loses it. */
/** What the relay needs from the session that owns it. */
export interface RelayHost {
  readonly config: ResolvedUpstreamConfig;
  readonly identity: FrontIdentity;
  readonly catalog: UpstreamCatalog;
  readonly state: SessionState;
  readonly closingSignal: AbortSignal;
  ready(signal: AbortSignal): Promise<Link>;
  recover(failed: Link, reason: RecreateReason): Promise<void>;
  target(link: Link): ExchangeTarget;
  nextId(): string;
  emit(event: UpstreamEvent): void;
  deliver(message: UpstreamMessage, relatedRequestId?: JSONRPCRequest['id']): void;
  persist(): void;
}

const STATE_METHODS = new Set(['logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']);

/** `stopper` ends the request: deadline, caller, cancellation or close (see wait.ts); disposed by the caller. */
export function relay(host: RelayHost, message: JSONRPCRequest, options: UpstreamRequestOptions, stopper: Stopper): Promise<JSONRPCResponse> {
  return settle(host.emit, message, options, stopper, (request, progress) => run(host, message, request, stopper.signal, options, progress, true));
}

async function run(
  host: RelayHost,
  message: JSONRPCRequest,
  request: RequestDescription,
  signal: AbortSignal,
  options: UpstreamRequestOptions,
  progress: Progress,
  seenByClient: boolean,
): Promise<JSONRPCResponse> {
  const { catalog } = host;
  const onRelated = (related: UpstreamMessage) => {
    if (related.method === 'notifications/tools/list_changed') catalog.markStale();
    if (options.onRelated) options.onRelated(related);
    else host.deliver(related, message.id);
  };
  // Know whether a tool is safe to repeat before calling it: if the outcome turns out unknown, the answer
  // is needed at once, possibly while the upstream is down and cannot be asked.
  if (request.tool !== undefined && !catalog.tool(request.tool) && !catalog.fresh) {
    const list: JSONRPCRequest = { jsonrpc: '2.0', id: host.nextId(), method: 'tools/list' };
    await run(host, list, { method: 'tools/list' }, signal, {}, freshProgress(), false).catch((error: unknown) => {
      // Unreachable: the call itself would only wait out the same bound again. It did not run.
      if (error instanceof ServerUnavailableError) throw new ServerUnavailableError(request, 0, error.cause);
      if (error instanceof RecoveryFailedError) throw new RecoveryFailedError(request, 0, error.cause);
      // Any other failure leaves the tool unknown, which the rules treat as unsafe to repeat.
    });
  }
  const name = request.tool;
  const rules = new RetryRules(request, new RetryBudget(host.config.requestBudget), () =>
    isSafeToRepeat({ method: message.method, ...(message.params && { params: message.params }), ...(name !== undefined && catalog.tool(name) && { tool: catalog.tool(name) }) }),
  );

  for (;;) {
    const link = await host.ready(signal);
    if (link.era === 'modern' && message.method === 'logging/setLevel') {
      // A 2026-07-28 upstream has no session to hold a level: keep it here and send it in each request's `_meta`.
      host.state.observe(message.method, message.params);
      host.persist();
      return { jsonrpc: '2.0', id: message.id, result: {} };
    }
    const outgoing = link.era === 'modern' ? withEnvelope(message, host.identity.initialize, host.state.logLevel) : message;
    let failure: ExchangeFailure;
    try {
      progress.sends++;
      progress.inFlight = true;
      const { response } = await exchange(host.target(link), outgoing, { signal, onRelated });
      progress.inFlight = false;
      learn(host, message, response, seenByClient);
      return response;
    } catch (error) {
      if (!(error instanceof ExchangeFailure) || signal.aborted) throw error;
      failure = error;
    }
    const found = verdict(failure);
    progress.inFlight = false;
    if (found.kind === 'outcome-unknown') progress.unknownEarlier = true;
    if (found.kind === 'fatal') {
      // The upstream's own JSON-RPC error sent with an HTTP error status is its answer: relayed, not replaced.
      const answer = errorResponseIn(failure, message.id);
      if (answer) return answer;
      throw asTypedError(failure, request);
    }
    const decision = rules.decide(found, failure.cause, progress.sends, failure.serverRetryMs);
    switch (decision.action) {
      case 'fail':
        throw decision.error;
      case 'recover':
        await host.recover(link, httpStatus(failure.cause)?.status === 404 ? 'not-found' : 'bad-session');
        host.emit({ type: 'retry', method: message.method, tool: request.tool, reason: 'session-lost', attempt: progress.sends + 1, delayMs: 0 });
        break;
      case 'retry':
        host.emit({ type: 'retry', method: message.method, tool: request.tool, reason: decision.reason, attempt: progress.sends + 1, delayMs: decision.delayMs });
        await sleep(decision.delayMs, signal);
        break;
    }
  }
}

/** Records what an accepted request tells us: state to replay, tool annotations, list baselines. */
export function learn(host: Pick<RelayHost, 'state' | 'catalog' | 'persist'>, message: JSONRPCRequest, response: JSONRPCResponse, seenByClient: boolean): void {
  let persist = false;
  if (STATE_METHODS.has(message.method) && isJSONRPCResultResponse(response)) {
    host.state.observe(message.method, message.params);
    persist = true;
  }
  if (listKindOf(message.method)) persist = host.catalog.learn(message.method, message.params, response, seenByClient).persist || persist;
  if (persist) host.persist();
}

/**
 * Delivers the client's answer to a server-to-client request. Repeating it is
 * harmless (the upstream ignores an answer for a request it no longer waits
 * for), so refusals and cut connections are retried within the budget.
 */
export async function relayReply(host: RelayHost, link: Link, message: JSONRPCResponse): Promise<void> {
  const request: RequestDescription = { method: 'reply' };
  const budget = new RetryBudget(host.config.requestBudget);
  const signal = anySignal(AbortSignal.timeout(host.config.requestTimeoutMs), host.closingSignal);
  for (let sends = 1; ; sends++) {
    try {
      return await post(host.target(link), message, signal);
    } catch (error) {
      if (!(error instanceof ExchangeFailure)) throw error;
      if (host.closingSignal.aborted) throw new UpstreamClosedError(request, false);
      const found = verdict(error);
      const delay = !signal.aborted && (found.kind === 'not-sent' || found.kind === 'outcome-unknown') ? budget.next() : undefined;
      if (delay === undefined) throw found.kind === 'fatal' || found.kind === 'session-lost' ? asTypedError(error, request) : new ServerUnavailableError(request, sends, error.cause);
      await sleep(delay, signal);
    }
  }
}
