/**
 * The part of a legacy session the client itself created and must recreate
 * when the server forgets it: the log level it asked for and the resources it
 * subscribed to. Recorded only after the server accepted the request, so a
 * failed subscribe is never replayed.
 */
import type { Client, LoggingLevel } from '@modelcontextprotocol/client';

export interface ReapplyReport {
  logLevel: LoggingLevel | undefined;
  subscriptions: number;
  failures: Array<{ what: string; error: unknown }>;
}

export class SessionState {
  #logLevel: LoggingLevel | undefined;
  readonly #subscriptions = new Set<string>();

  /** The state as recorded earlier (a snapshot, or what a front session stored). */
  static restored(logLevel: LoggingLevel | undefined, subscriptions: Iterable<string>): SessionState {
    const state = new SessionState();
    state.#logLevel = logLevel;
    for (const uri of subscriptions) state.#subscriptions.add(uri);
    return state;
  }

  get logLevel(): LoggingLevel | undefined {
    return this.#logLevel;
  }

  get subscriptions(): ReadonlySet<string> {
    return this.#subscriptions;
  }

  /** Called with every request the server accepted. */
  observe(method: string, params: Record<string, unknown> | undefined): void {
    if (method === 'logging/setLevel' && typeof params?.level === 'string') {
      // The server accepted it, and the SDK validated it on the way out: a LoggingLevel.
      this.#logLevel = params.level as LoggingLevel;
    } else if (method === 'resources/subscribe' && typeof params?.uri === 'string') {
      this.#subscriptions.add(params.uri);
    } else if (method === 'resources/unsubscribe' && typeof params?.uri === 'string') {
      this.#subscriptions.delete(params.uri);
    }
  }

  /**
   * Replays the state on a fresh session. Failures are reported, not thrown:
   * the request that triggered the recovery can still succeed without them,
   * and the caller surfaces them as events.
   */
  async reapply(client: Client, timeoutMs: number): Promise<ReapplyReport> {
    const report: ReapplyReport = { logLevel: undefined, subscriptions: 0, failures: [] };
    const capabilities = client.getServerCapabilities();
    if (this.#logLevel !== undefined && capabilities?.logging) {
      try {
        await client.setLoggingLevel(this.#logLevel, { timeout: timeoutMs });
        report.logLevel = this.#logLevel;
      } catch (error) {
        report.failures.push({ what: `logging/setLevel ${this.#logLevel}`, error });
      }
    }
    if (this.#subscriptions.size > 0 && capabilities?.resources?.subscribe) {
      for (const uri of this.#subscriptions) {
        try {
          await client.subscribeResource({ uri }, { timeout: timeoutMs });
          report.subscriptions++;
        } catch (error) {
          report.failures.push({ what: `resources/subscribe ${uri}`, error });
        }
      }
    }
    return report;
  }
}
