import type { McpServer, RequestId, Transport } from '@modelcontextprotocol/server';
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
  close(): Promise<void>;
}

/** What the runtime knows when it builds a backend for one session. */
export interface SessionBackendRequest {
  principal: string;
  sessionId: string;
  client?: ClientIdentity;
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
