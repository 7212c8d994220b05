/**
 * What a new upstream session (HTTP or a new stdio child) needs to look like
 * the client's old one: the client's log level and subscriptions applied
 * again, and the lists the client has seen compared with the new ones. Both
 * take the gateway's own request function, so they run alike over either
 * link.
 */
import type { JSONRPCResponse, LoggingLevel, ServerCapabilities } from '@modelcontextprotocol/client';
import type { UpstreamCatalog } from './catalog.js';
import type { ListKind, UpstreamEvent } from './types.js';

/** One request of the gateway's own on the new session, bounded by the caller. */
export type OwnRequest = (method: string, params?: Record<string, unknown>) => Promise<JSONRPCResponse>;

export interface ReplayState {
  logLevel: LoggingLevel | undefined;
  subscriptions: ReadonlySet<string>;
}

/** What was applied again on the new session. */
export interface Replayed {
  logLevel: LoggingLevel | undefined;
  subscriptions: number;
}

export const NOTHING_REPLAYED: Readonly<Replayed> = { logLevel: undefined, subscriptions: 0 };

/**
 * Re-applies what the client had set on its old session, in parallel.
 * Failures are reported, not thrown: the request that caused the recovery
 * can still succeed without them.
 */
export async function replayState(own: OwnRequest, capabilities: ServerCapabilities, state: ReplayState, emit: (event: UpstreamEvent) => void): Promise<Replayed> {
  const replayed: Replayed = { ...NOTHING_REPLAYED };
  const steps: Array<Promise<void>> = [];
  const step = (what: string, method: string, params: Record<string, unknown>, done: () => void) =>
    steps.push(
      own(method, params).then(
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

/** The kinds of list the client has seen that differ on the new session (to announce with list_changed). */
export async function recheckLists(own: OwnRequest, catalog: UpstreamCatalog): Promise<ListKind[]> {
  const changed: ListKind[] = [];
  await Promise.all(
    catalog.seenKinds.map(async (kind) => {
      const method = `${kind}/list`;
      try {
        if (catalog.learn(method, undefined, await own(method), false).differs) changed.push(kind);
      } catch {
        // Could not look: say it changed, so the client lists again rather than trusting a stale list.
        changed.push(kind);
      }
    }),
  );
  return changed.sort();
}
