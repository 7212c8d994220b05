/**
 * The path of one request to a stdio child, with the same rules as the HTTP
 * relay (retry-rules.ts, safety.ts, shared with the client): a request that
 * never reached a child (it had exited, or there was none yet) goes to a new
 * one; a request that was written to a child that then died has an unknown
 * outcome and is sent once more only if it cannot change anything, else the
 * client gets OutcomeUnknownError. One deadline bounds it all.
 */
import type { JSONRPCRequest, JSONRPCResponse, RequestId } from '@modelcontextprotocol/client';
import { RetryBudget } from '../../client/backoff.js';
import type { Failure } from '../../client/classify.js';
import { OutcomeUnknownError, type RequestDescription } from '../../client/errors.js';
import { RetryRules } from '../../client/retry-rules.js';
import { isSafeToRepeat } from '../../client/safety.js';
import type { SessionState } from '../../client/session-state.js';
import type { UpstreamCatalog } from '../upstream/catalog.js';
import { learn } from '../upstream/relay.js';
import { freshProgress, settle, type Progress } from '../upstream/settle.js';
import type { UpstreamEvent, UpstreamMessage, UpstreamRequestOptions } from '../upstream/types.js';
import type { Stopper } from '../upstream/wait.js';
import { ChildGoneError } from './channel.js';
import type { StdioChild } from './child.js';
import type { ResolvedStdioConfig } from './config.js';

/** What the relay needs from the session that owns it. */
export interface StdioRelayHost {
  readonly config: ResolvedStdioConfig;
  readonly catalog: UpstreamCatalog;
  readonly state: SessionState;
  /** The session, as a shared child tells its senders apart. */
  readonly owner: object;
  /** A ready child: the current one, or a new one started and initialized now. */
  ready(signal: AbortSignal, request: RequestDescription): Promise<StdioChild>;
  nextId(): string;
  emit(event: UpstreamEvent): void;
  deliver(message: UpstreamMessage, relatedRequestId?: RequestId): void;
  persist(): void;
}

/** `stopper` ends the request: deadline, caller, cancellation or close; disposed by the caller. */
export function relayToChild(host: StdioRelayHost, message: JSONRPCRequest, options: UpstreamRequestOptions, stopper: Stopper): Promise<JSONRPCResponse> {
  return settle(host.emit, message, options, stopper, (request, progress) => run(host, message, request, stopper.signal, options, progress, true));
}

async function run(
  host: StdioRelayHost,
  message: JSONRPCRequest,
  request: RequestDescription,
  signal: AbortSignal,
  options: UpstreamRequestOptions,
  progress: Progress,
  seenByClient: boolean,
): Promise<JSONRPCResponse> {
  const { catalog } = host;
  // Know whether a tool is safe to repeat before calling it: if the child dies during the call, the answer
  // is needed at once, and the next child may not even start.
  if (request.tool !== undefined && !catalog.tool(request.tool) && !catalog.fresh) {
    const list: JSONRPCRequest = { jsonrpc: '2.0', id: host.nextId(), method: 'tools/list' };
    await run(host, list, { method: 'tools/list' }, signal, {}, freshProgress(), false).catch((error: unknown) => {
      // A lost answer leaves the tool unknown, which the rules treat as unsafe to repeat. Anything else (no child
      // could be started, no room for one, the caller left) would fail the call the same way: it did not run.
      if (!(error instanceof OutcomeUnknownError)) throw error;
    });
  }
  const name = request.tool;
  const rules = new RetryRules(request, new RetryBudget(host.config.requestBudget), () =>
    isSafeToRepeat({ method: message.method, ...(message.params && { params: message.params }), ...(name !== undefined && catalog.tool(name) && { tool: catalog.tool(name) }) }),
  );
  // What the child sends while this request runs goes to the client's stream for it (own requests: to the session).
  const onRelated = seenByClient ? (related: UpstreamMessage) => (options.onRelated ? options.onRelated(related) : host.deliver(related, message.id)) : undefined;

  for (;;) {
    const child = await host.ready(signal, request);
    let failure: Failure;
    let cause: ChildGoneError;
    try {
      progress.sends++;
      progress.inFlight = true;
      const response = await child.channel.request({ message, signal, owner: host.owner, ...(onRelated && { onRelated }) });
      progress.inFlight = false;
      learn(host, message, response, seenByClient);
      return response;
    } catch (error) {
      if (!(error instanceof ChildGoneError) || signal.aborted) throw error;
      progress.inFlight = false;
      cause = error;
      // Written to a child that then died: it may have run. Never written: the child was gone already.
      failure = error.sent ? { kind: 'outcome-unknown', reason: 'connection-lost' } : { kind: 'session-lost', detail: error.message };
    }
    if (failure.kind === 'outcome-unknown') progress.unknownEarlier = true;
    const decision = rules.decide(failure, cause, progress.sends);
    switch (decision.action) {
      case 'fail':
        throw decision.error;
      case 'recover':
        // The next ready() starts a new child: the old one is gone.
        host.emit({ type: 'retry', method: message.method, tool: request.tool, reason: 'session-lost', attempt: progress.sends + 1, delayMs: 0 });
        break;
      case 'retry':
        // A safe request whose child died goes to its replacement at once: the backoff is for an upstream that comes
        // back on its own, while here the next ready() starts the new child. The budget spent deciding still bounds a
        // server that dies on every try.
        host.emit({ type: 'retry', method: message.method, tool: request.tool, reason: decision.reason, attempt: progress.sends + 1, delayMs: 0 });
        break;
    }
  }
}
