import type { AuthInfo, McpServer } from '@modelcontextprotocol/server';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { SessionEventStore } from '../events/session-event-store.js';

/**
 * A legacy session held in this process: the app's McpServer connected to a
 * stateful SDK transport that believes it initialized this session (for real,
 * or through a replayed handshake after a restart).
 */
export class LiveSession {
  /** Requests being handled plus response streams still open; a busy session is never evicted. */
  busy = 0;
  /** Sliding expiry as last seen by this process (ms since epoch). */
  expiresAt: number;
  /** Set when this process may have missed a termination (e.g. the LISTEN connection dropped). */
  stale = false;

  constructor(
    readonly id: string,
    readonly principal: string,
    readonly protocolVersion: string,
    expiresAt: number,
    readonly server: McpServer,
    readonly transport: WebStandardStreamableHTTPServerTransport,
    readonly events: SessionEventStore,
  ) {
    this.expiresAt = expiresAt;
  }

  /** Batching was removed from the protocol in 2025-06-18. */
  get allowsBatches(): boolean {
    return this.protocolVersion < '2025-06-18';
  }

  async handle(request: Request, parsedBody: unknown, authInfo: AuthInfo | undefined): Promise<Response> {
    this.busy += 1;
    let response: Response;
    try {
      response = await this.transport.handleRequest(request, { parsedBody, ...(authInfo && { authInfo }) });
    } catch (error) {
      this.busy -= 1;
      throw error;
    }
    return onBodyDone(response, () => {
      this.busy -= 1;
    });
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/** Calls `done` exactly once, when the response body has been fully read or cancelled (or at once if there is none). */
export function onBodyDone(response: Response, done: () => void): Response {
  if (response.body === null) {
    done();
    return response;
  }
  const reader = response.body.getReader();
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      done();
    }
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: end, value } = await reader.read();
        if (end) {
          finish();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
