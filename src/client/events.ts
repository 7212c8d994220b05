/**
 * What the client tells the application while it works, so an app can show
 * "reconnecting..." or count recoveries. A tiny typed emitter rather than
 * node:events: a listener that throws must never break the request that
 * triggered the event, and there is no special 'error' event that crashes the
 * process when nobody listens.
 */
import type { Notification, ProtocolEra } from '@modelcontextprotocol/client';

export type RetryReason = 'session-lost' | 'not-sent' | 'outcome-unknown';

export interface ClientEvents {
  /** A connection (transport + handshake) is up. `generation` counts them from 1. */
  connect: { generation: number; era: ProtocolEra | undefined; sessionId: string | undefined };
  /** The server or the session went away; recovery starts. */
  disconnect: { generation: number; reason: string };
  /** A new connection replaced a lost one. */
  reconnect: { generation: number; era: ProtocolEra | undefined; sessionId: string | undefined };
  /** A legacy session was lost and a new one initialized with the same client info and state. */
  reinitialize: {
    generation: number;
    previousSessionId: string | undefined;
    sessionId: string | undefined;
    logLevel: string | undefined;
    subscriptions: number;
  };
  /** A request is about to be sent again. */
  retry: { method: string; tool: string | undefined; reason: RetryReason; attempt: number; delayMs: number };
  /** A request failed with an unknown outcome and was not retried. */
  outcomeUnknown: { method: string; tool: string | undefined; reason: string };
  /** A server notification (logging, progress without a handler, list_changed, resources/updated...). */
  notification: Notification;
  /** Something failed in the background (re-applying state, a keep-alive probe, the transport). */
  error: { context: string; error: unknown };
}

export type EventName = keyof ClientEvents;
type Listener<K extends EventName> = (payload: ClientEvents[K]) => void;

/** Monotonic counters, readable at any time (tests assert on them). */
export interface ClientStats {
  connects: number;
  reconnects: number;
  reinitializations: number;
  retries: number;
  outcomeUnknown: number;
}

export class ClientEventEmitter {
  // One map for all events: each set only ever holds listeners of its own
  // event, which `on` and `emit` enforce through their signatures; the casts
  // below only restate that for the shared map's value type.
  readonly #listeners = new Map<EventName, Set<(payload: never) => void>>();

  on<K extends EventName>(event: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<K extends EventName>(event: K, payload: ClientEvents[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<K>)(payload);
      } catch {
        // A listener's bug must not fail the request that emitted the event.
      }
    }
  }
}
