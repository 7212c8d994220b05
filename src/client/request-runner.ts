/**
 * The retry loop every request goes through. Each failed attempt is
 * classified (classify.ts) and the shared rules (retry-rules.ts) decide what
 * it proves: recover the session and send again, back off and send again,
 * send a request that is safe to repeat once more, or fail. This file only
 * carries those decisions out on the client's connections.
 */
import { type Client, type RequestOptions, type Tool } from '@modelcontextprotocol/client';
import { anySignal, ATTEMPT_HEADER } from './attempts.js';
import { RetryBudget, sleep, type BudgetOptions } from './backoff.js';
import { classify, type Failure } from './classify.js';
import type { ConnectionManager } from './connection-manager.js';
import {
  ClientClosedError,
  OutcomeUnknownError,
  RecoveryFailedError,
  ResilientClientError,
  ServerUnavailableError,
  type RequestDescription,
} from './errors.js';
import { RetryRules } from './retry-rules.js';
import type { ClientEventEmitter, ClientStats, RetryReason } from './events.js';
import type { ResolvedOptions } from './options.js';
import { isSafeToRepeat, toolNameOf } from './safety.js';
import type { SessionState } from './session-state.js';
import type { ToolCatalog } from './tool-catalog.js';

/** The SDK call to make on whichever connection is current. */
export type Operation<T> = (client: Client, options: RequestOptions) => Promise<T>;

export interface RunnerDeps {
  options: ResolvedOptions;
  manager: ConnectionManager;
  state: SessionState;
  catalog: ToolCatalog;
  events: ClientEventEmitter;
  stats: ClientStats;
  /** Lists tools so their annotations are known (a safe request, run through this same loop). */
  refreshTools(): Promise<void>;
}

/** Re-raises a connection-level error with the request it ended. */
function forRequest(error: unknown, request: RequestDescription, sends: number): unknown {
  if (!(error instanceof ResilientClientError) || error.request) return error;
  if (error instanceof ServerUnavailableError) return new ServerUnavailableError(request, sends, error.cause);
  if (error instanceof RecoveryFailedError) return new RecoveryFailedError(request, sends, error.cause);
  if (error instanceof ClientClosedError) return new ClientClosedError(request, error.mayHaveRun);
  return error;
}

export class RequestRunner {
  readonly #deps: RunnerDeps;

  constructor(deps: RunnerDeps) {
    this.#deps = deps;
  }

  async run<T>(
    method: string,
    params: Record<string, unknown> | undefined,
    op: Operation<T>,
    options?: RequestOptions,
    budgetOptions: BudgetOptions = this.#deps.options.requestBudget,
  ): Promise<T> {
    const { manager, stats, events } = this.#deps;
    const request: RequestDescription = { method, tool: toolNameOf(method, params) };
    const rules = new RetryRules(request, new RetryBudget(budgetOptions), () => this.#safeToRepeat(method, params));
    let sends = 0;

    // Know whether a tool is safe to repeat before calling it: if the call's
    // outcome turns out unknown, the answer is needed at once, possibly while
    // the server is down and cannot be asked.
    const { catalog } = this.#deps;
    if (request.tool !== undefined && !catalog.get(request.tool) && !catalog.fresh) {
      // Without the list the tool counts as unsafe to repeat, which is the safe side.
      await this.#deps.refreshTools().catch(() => undefined);
    }

    // Bounded: every retry below is granted by `rules`, which takes from its budget or fails.
    for (;;) {
      const connection = await manager.ready().catch((error: unknown) => Promise.reject(forRequest(error, request, sends)));
      // The server may answer on the standalone stream while it serves this request: have one open.
      await connection.ensureStandaloneStream();
      const attempt = connection.attempts.begin(options?.signal);
      let failure: Failure;
      let cause: unknown;
      try {
        sends++;
        const result = await op(connection.client, {
          timeout: this.#deps.options.requestTimeoutMs,
          ...options,
          signal: attempt.signal,
          headers: { ...options?.headers, [ATTEMPT_HEADER]: attempt.id },
        });
        this.#learn(method, params, result);
        return result;
      } catch (error) {
        if (options?.signal?.aborted) throw error;
        if (manager.closed) throw new ClientClosedError(request, attempt.wasSent);
        cause = error;
        failure = classify(error, attempt.facts);
      } finally {
        connection.attempts.end(attempt);
      }

      const decision = rules.decide(failure, cause, sends, connection.serverRetryMs);
      let reason: RetryReason;
      let delay: number;
      switch (decision.action) {
        case 'fail':
          if (decision.error instanceof OutcomeUnknownError) {
            stats.outcomeUnknown++;
            events.emit('outcomeUnknown', { method, tool: request.tool, reason: decision.error.reason });
          }
          throw decision.error;
        case 'recover':
          await manager.recover(connection, decision.detail).catch((error: unknown) => Promise.reject(forRequest(error, request, sends)));
          reason = 'session-lost';
          delay = 0;
          break;
        case 'retry':
          reason = decision.reason;
          delay = decision.delayMs;
          break;
      }

      stats.retries++;
      events.emit('retry', { method, tool: request.tool, reason, attempt: sends + 1, delayMs: delay });
      if (delay > 0) {
        await sleep(delay, options?.signal ? anySignal(options.signal, manager.closeSignal) : manager.closeSignal).catch(
          (error: unknown) => Promise.reject(manager.closed ? new ClientClosedError(request, sends > 0) : error),
        );
      }
    }
  }

  /** Records what a successful request tells us: state to re-apply, tool annotations. */
  #learn(method: string, params: Record<string, unknown> | undefined, result: unknown): void {
    this.#deps.state.observe(method, params);
    if (method === 'tools/list') {
      const tools = (result as { tools?: Tool[] } | undefined)?.tools;
      if (Array.isArray(tools)) this.#deps.catalog.learn(tools, params?.cursor === undefined);
    }
  }

  #safeToRepeat(method: string, params: Record<string, unknown> | undefined): boolean {
    const name = toolNameOf(method, params);
    // A tool missing from the catalog even after the pre-flight lookup is treated as unsafe.
    const tool = name === undefined ? undefined : this.#deps.catalog.get(name);
    return isSafeToRepeat({ method, ...(params && { params }), ...(tool && { tool }) }, this.#deps.options.retrySafety);
  }
}
