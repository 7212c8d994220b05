import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { ClusterBus } from '../cluster/bus.js';
import { parseRequestTag } from './reply-ids.js';
import type { Session } from './session.js';

/**
 * Legacy-session traffic that must cross instances: standalone-stream events
 * to whichever instance holds the client's GET stream, and replies to
 * server-to-client requests to whichever instance is waiting for them.
 */
export class SessionRelay {
  constructor(
    private readonly cluster: ClusterBus,
    private readonly sessions: { peek(id: string): Session | undefined },
    private readonly onError: (error: unknown, context: string) => void,
  ) {
    cluster.on('standalone', (payload) => {
      const session = sessions.peek((payload as { s: string }).s);
      if (session?.hasStandaloneStream) return session.relayStandalone();
    });
    cluster.on('reply', (payload) => {
      const { s, m } = payload as { s: string; m: JSONRPCMessage };
      const session = sessions.peek(s);
      if (session) session.deliverReply(m);
      else onError(new Error(`reply for session ${s} arrived after it left this instance`), 'route reply');
    });
  }

  /** Sends replies that another instance is waiting for there; returns the messages this instance handles itself. */
  async routeReplies(session: Session, messages: unknown[]): Promise<unknown[]> {
    const local: unknown[] = [];
    for (const message of messages) {
      const m = message as { id?: unknown; method?: unknown; result?: unknown; error?: unknown };
      const tag = m.method === undefined && (m.result !== undefined || m.error !== undefined) ? parseRequestTag(m.id) : undefined;
      if (tag && tag.instanceId !== this.cluster.instanceId) await this.cluster.send('reply', tag.instanceId, { s: session.id, m: message });
      else local.push(message);
    }
    return local;
  }

  /** After standalone-stream events were committed: wake whichever instance holds those GET streams. */
  standaloneCommitted(sessionIds: Iterable<string>): void {
    // This instance's own GET stream already got them from the SDK; the others relay them from the store.
    for (const s of sessionIds) void this.cluster.send('standalone', '*', { s }).catch((error: unknown) => this.onError(error, 'standalone notify'));
  }
}
