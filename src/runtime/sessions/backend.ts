import type { McpServer, RequestId, Transport } from '@modelcontextprotocol/server';
import type { SessionRecord } from '../../store/index.js';
import type { ClientIdentity } from '../app.js';

/**
 * What answers a durable session's messages behind its SDK transport. For an
 * app it is the app's own McpServer; for the gateway it is a relay to the
 * upstream server. The session owns the transport (persistence, streams,
 * resumption); the backend only reads and writes messages on it.
 */
export interface SessionBackend {
  /** Takes over the transport's message callbacks (as McpServer.connect does). */
  connect(transport: Transport): Promise<void>;
  /** Sends a notification to the client, on the stream of `relatedRequestId` or else the standalone stream. */
  notify(method: string, params: Record<string, unknown> | undefined, relatedRequestId: RequestId | undefined): Promise<void>;
  /** The session ended in this process, and why (a client's DELETE reached this instance: `terminated` by `client`). */
  close(end: SessionEnd): Promise<void>;
  /**
   * Whether repeating a call of `tool` is safe, when the backend knows (the drain's advice to a client whose
   * request it cuts). Undefined: the runtime's own catalogue decides.
   */
  isSafeToRepeat?(tool: string): boolean | undefined;
}

export interface SessionEnd {
  state: 'evicted' | 'expired' | 'terminated' | 'closed' | 'failed';
  /** For `terminated`: the DELETE arrived here (`client`) or on another instance (`elsewhere`). */
  by?: 'client' | 'elsewhere';
}

/** What the runtime knows when it builds a backend for one session. */
export interface SessionBackendRequest {
  principal: string;
  sessionId: string;
  client?: ClientIdentity;
  /** The endpoint the session belongs to ('' for the one endpoint, a name for `/mcp/<name>`). */
  route: string;
  /**
   * `created`: a new session, whose initialize comes from its client. `rebuilt`: a stored one, whose handshake
   * the runtime replays through the transport (initialize, initialized, log level, subscriptions; request ids
   * start with `durable-mcp/`, see isRuntimeRequestId) before any client request reaches it.
   */
  origin: 'created' | 'rebuilt';
  /** What the session's record holds (for a new session: what it is being created with). */
  record: Pick<SessionRecord, 'protocolVersion' | 'initializeParams' | 'logLevel' | 'subscriptions' | 'meta'>;
}

/** Requests the runtime sends into a session itself (handshake replay, catalogue listing) carry ids with this prefix. */
export function isRuntimeRequestId(id: RequestId): boolean {
  return typeof id === 'string' && id.startsWith('durable-mcp/');
}

export type SessionBackendFactory = (request: SessionBackendRequest) => Promise<SessionBackend>;

/** An app's McpServer as a session backend (the server stays reachable for tests that inspect SDK state). */
export function mcpServerBackend(server: McpServer): SessionBackend & { readonly server: McpServer } {
  return {
    server,
    connect: (transport) => server.connect(transport),
    notify: (method, params, relatedRequestId) =>
      server.server.notification(
        // The SDK types notification() per method; announcements are built from validated parts, so the cast is safe.
        { method, ...(params && { params }) } as never,
        relatedRequestId === undefined ? undefined : { relatedRequestId },
      ),
    close: () => server.close(),
  };
}
