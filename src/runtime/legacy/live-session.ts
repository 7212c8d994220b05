import {
  type AuthInfo,
  type JSONRPCMessage,
  type McpServer,
  type RequestId,
  type WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { parseRequestTag, tagRequestId } from '../cluster/request-ids.js';
import { wireError } from '../errors.js';
import { nextSeq, parseEventId, type SessionEventStore } from '../events/session-event-store.js';
import type { Catalogue } from './catalogue.js';

/** What a client should be told the first time a new deployment serves its session. */
export interface Announcement {
  fromDeployment: string;
  toDeployment: string;
  /** The server version the session last saw, when it was recorded. */
  fromVersion?: string;
  toVersion: string;
  changed: Array<'tools' | 'prompts' | 'resources'>;
  /** Whether the client's log level lets an info message through. */
  sendMessage: boolean;
}

interface InFlight {
  method: string;
  tool?: string;
  /** False from arrival until the transport hands the request on: a request it refuses is forgotten. */
  seen?: boolean;
  /** The HTTP request that carried it: aborted when the client's connection closes before the response is done. */
  signal?: AbortSignal;
  /** The server ended its POST stream early (SSE polling): the response will go to a resumed stream. */
  detached?: boolean;
}

/**
 * A legacy session held in this process: the app's McpServer connected to a
 * stateful SDK transport that believes it initialized this session (for real,
 * or through a replayed handshake after a restart). It also watches the
 * messages crossing the transport, to know which requests are still running
 * (for drain) and to deliver deployment announcements on the first stream.
 */
export class LiveSession {
  /** handle() calls between arrival and the transport's answer (before the request is registered in flight). */
  private arriving = 0;
  /** Sliding expiry as last seen by this process (ms since epoch). */
  expiresAt: number;
  /** Set when this process may have missed a termination (e.g. the LISTEN connection dropped). */
  stale = false;
  /** Tools, prompts and resources this server offers, with tool annotations; set once built. */
  catalogue: Catalogue | undefined;
  private readonly inFlight = new Map<RequestId, InFlight>();
  private announcement: Announcement | undefined;
  /** Open standalone GET streams in this process (normally 0 or 1). */
  private standaloneStreams = 0;
  /** The newest standalone event this process has written to its GET stream. */
  private standaloneCursor = 0n;
  private relaying: Promise<void> = Promise.resolve();
  private deliver: ((message: JSONRPCMessage) => void) | undefined;

  constructor(
    readonly id: string,
    readonly principal: string,
    readonly protocolVersion: string,
    expiresAt: number,
    readonly server: McpServer,
    readonly transport: WebStandardStreamableHTTPServerTransport,
    readonly events: SessionEventStore,
    /** Prefix for server-to-client request ids, so replies find this instance. */
    private readonly instanceId: string,
  ) {
    this.expiresAt = expiresAt;
    this.watchTransport();
    events.onStandaloneStored = (seq) => {
      if (seq > this.standaloneCursor) this.standaloneCursor = seq;
    };
  }

  get hasStandaloneStream(): boolean {
    return this.standaloneStreams > 0;
  }

  /** Batching was removed from the protocol in 2025-06-18. */
  get allowsBatches(): boolean {
    return this.protocolVersion < '2025-06-18';
  }

  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  announce(announcement: Announcement): void {
    this.announcement = announcement;
  }

  /**
   * A busy session is never evicted: requests are running, a standalone
   * stream is open, or a request is just arriving. A POST stream whose
   * response was sent may still be flushing, but closing the transport then
   * only closes the stream after what it already queued.
   */
  get busy(): boolean {
    return this.arriving > 0 || this.inFlight.size > 0 || this.standaloneStreams > 0;
  }

  async handle(request: Request, parsedBody: unknown, authInfo: AuthInfo | undefined): Promise<Response> {
    const claimed = this.claim(parsedBody, request.signal);
    if (!Array.isArray(claimed)) return claimed;
    this.arriving += 1;
    let response: Response;
    try {
      response = await this.transport.handleRequest(request, { parsedBody, ...(authInfo && { authInfo }) });
    } finally {
      this.arriving -= 1;
      // Requests the transport refused before reading them (bad headers, wrong Accept) never run.
      for (const id of claimed) if (this.inFlight.get(id)?.seen === false) this.inFlight.delete(id);
    }
    if (request.method === 'GET' && response.status === 200) {
      const resumed = parseEventId(request.headers.get('last-event-id') ?? '');
      this.standaloneStreams += 1;
      // Events stored elsewhere from now on (or after the resume point) are relayed onto this stream.
      const from = resumed?.streamId === '_GET_stream' ? resumed.seq : nextSeq();
      if (from > this.standaloneCursor) this.standaloneCursor = from;
      // A freshly opened standalone stream is the other place an announcement can go.
      if (!resumed) this.deliverAnnouncement(undefined);
      // Only the long-lived GET stream needs watching; request streams are tracked by their JSON-RPC ids.
      return onBodyDone(response, () => {
        this.standaloneStreams -= 1;
      });
    }
    return response;
  }

  /**
   * Registers the requests in a POST before the transport sees them, so that
   * a second request reusing an id still in flight is refused at once. The
   * SDK maps responses to streams by id: without this, one of the two streams
   * would never get an answer and would hang the client and the drain.
   */
  private claim(body: unknown, signal: AbortSignal): RequestId[] | Response {
    const requests = (Array.isArray(body) ? body : [body]).filter((m): m is JSONRPCRequestLike => isRequest(m as JSONRPCMessage));
    const ids = requests.map((r) => r.id);
    const taken = ids.find((id, i) => this.inFlight.has(id) || ids.indexOf(id) !== i);
    if (taken !== undefined) {
      return wireError('INVALID_REQUEST', {
        message: `Invalid Request: request id ${JSON.stringify(taken)} is already in flight on this session; every request needs an id of its own`,
        data: { reason: 'request_id_in_flight' },
        id: taken,
      });
    }
    for (const request of requests) this.inFlight.set(request.id, { ...describe(request), signal, seen: false });
    return ids;
  }

  /**
   * Another instance stored standalone-stream events for this session; this
   * process holds the client's GET stream, so it writes them there, in order,
   * each with the id it was stored under, each once.
   */
  relayStandalone(): Promise<void> {
    this.relaying = this.relaying.then(async () => {
      if (this.standaloneStreams === 0) return;
      for (;;) {
        const page = await this.events.standaloneAfter(this.standaloneCursor);
        for (const event of page) {
          if (event.seq <= this.standaloneCursor) continue;
          this.standaloneCursor = event.seq;
          const message = event.message as JSONRPCMessage;
          this.events.expectRelay(message, `_GET_stream:${event.seq}`);
          await this.transport.send(message).catch(() => {});
        }
        if (page.length < 500) return;
      }
    });
    return this.relaying;
  }

  /** A client's reply to a request this instance sent, received by another instance. */
  deliverReply(message: JSONRPCMessage): void {
    this.deliver?.(restoreReplyId(message, this.instanceId));
  }

  /**
   * Ends every request still running with an error that says the server is
   * restarting and whether repeating the request is safe (drain deadline).
   */
  async abortInFlight(deploymentId: string): Promise<number> {
    const pending = [...this.inFlight.entries()];
    for (const [id, info] of pending) {
      const retryable = info.method !== 'tools/call' || this.catalogue?.isSafeToRepeat(info.tool) === true;
      const message: JSONRPCMessage = {
        jsonrpc: '2.0',
        id,
        error: {
          code: -32000,
          message: retryable
            ? 'The server is restarting and this request did not finish. It is safe to send it again.'
            : 'The server is restarting and this request did not finish. It may or may not have taken effect: check before repeating it.',
          data: { code: 'SERVER_RESTARTING', retryable, deploymentId },
        },
      };
      await this.transport.send(message).catch(() => {});
    }
    return pending.length;
  }

  /** Closes the standalone GET stream; the client reconnects (to any instance) after its retry delay. */
  closeStandaloneStream(): void {
    this.transport.closeStandaloneSSEStream();
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private watchTransport(): void {
    const transport = this.transport;
    const deliver = transport.onmessage;
    this.deliver = (message) => deliver?.(message);
    transport.onmessage = (message, extra) => {
      if (isResponse(message)) {
        deliver?.(restoreReplyId(message, this.instanceId), extra);
        return;
      }
      if ((message as { method?: unknown }).method === 'notifications/cancelled') {
        // The SDK sends no response for a cancelled request: stop counting it as running.
        const requestId = ((message as { params?: { requestId?: RequestId } }).params ?? {}).requestId;
        if (requestId !== undefined) this.inFlight.delete(requestId);
      }
      if (isRequest(message)) {
        // Claimed on arrival (handle) for a client's request; the runtime's own requests arrive here first.
        const entry = this.inFlight.get(message.id) ?? { ...describe(message), ...(extra?.request && { signal: extra.request.signal }) };
        entry.seen = true;
        this.inFlight.set(message.id, entry);
        const closeStream = extra?.closeSSEStream;
        if (closeStream) {
          extra.closeSSEStream = () => {
            entry.detached = true;
            closeStream();
          };
        }
        if (this.announcement && !String(message.id).startsWith('durable-mcp/')) this.deliverAnnouncement(message.id);
      }
      deliver?.(message, extra);
    };
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
      if (isResponse(message)) {
        const entry = this.inFlight.get(message.id);
        this.inFlight.delete(message.id);
        // The response goes onto the open POST stream that asked for it, whose end the client then reads: nobody
        // will resume that stream, so storing the response would only cost a write. Responses to a client that
        // went away, or to a stream the server closed early, are stored and replayed on resume.
        if (entry?.signal && !entry.signal.aborted && !entry.detached) this.events.skip(message);
      }
      if (isRequest(message) && parseRequestTag(message.id) === undefined) {
        return send({ ...message, id: tagRequestId(this.instanceId, message.id) }, options);
      }
      return send(message, options);
    };
  }

  /** Sends the pending announcement on the stream of `relatedRequestId` (or the standalone stream), once. */
  private deliverAnnouncement(relatedRequestId: RequestId | undefined): void {
    const announcement = this.announcement;
    if (!announcement) return;
    this.announcement = undefined;
    const notify = (method: string, params?: Record<string, unknown>) =>
      this.server.server
        // The SDK types notification() per method; these two are built from validated parts, so the cast is safe.
        .notification({ method, ...(params && { params }) } as never, relatedRequestId === undefined ? undefined : { relatedRequestId })
        .catch(() => {});
    if (announcement.sendMessage) {
      void notify('notifications/message', {
        level: 'info',
        logger: 'durable-mcp',
        data: {
          event: 'deployment_changed',
          message: announcementText(announcement),
          fromDeployment: announcement.fromDeployment,
          toDeployment: announcement.toDeployment,
          ...(announcement.fromVersion !== undefined && { fromVersion: announcement.fromVersion }),
          toVersion: announcement.toVersion,
          changed: announcement.changed,
        },
      });
    }
    for (const kind of announcement.changed) void notify(`notifications/${kind}/list_changed`);
  }
}

/*
 * Shape checks for messages the SDK has already validated (arriving) or built
 * (leaving). Its own is* guards re-run zod, and a failed parse, the usual
 * outcome of asking "is this a response?" of a request, costs more than the
 * tool call it sits beside.
 */
function isResponse(message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId } {
  return 'id' in message && message.id !== undefined && !('method' in message) && ('result' in message || 'error' in message);
}

function isRequest(message: JSONRPCMessage): message is JSONRPCMessage & JSONRPCRequestLike {
  return typeof message === 'object' && message !== null && 'method' in message && 'id' in message && message.id !== undefined;
}

function announcementText(a: Announcement): string {
  const what =
    a.fromVersion !== undefined && a.fromVersion !== a.toVersion
      ? `upgraded from version ${a.fromVersion} to ${a.toVersion}`
      : `updated (deployment ${a.fromDeployment} -> ${a.toDeployment})`;
  const lists = a.changed.length > 0 ? `; changed: ${a.changed.join(', ')}` : '';
  return `The server was ${what}${lists}. This session continues unchanged.`;
}

type JSONRPCRequestLike = { id: RequestId; method: string; params?: unknown };

function describe(request: JSONRPCRequestLike): Pick<InFlight, 'method' | 'tool'> {
  const name = (request.params as { name?: unknown } | undefined)?.name;
  return request.method === 'tools/call' && typeof name === 'string' ? { method: request.method, tool: name } : { method: request.method };
}

function restoreReplyId(message: JSONRPCMessage, instanceId: string): JSONRPCMessage {
  const tag = parseRequestTag((message as { id?: unknown }).id);
  return tag && tag.instanceId === instanceId ? ({ ...message, id: tag.id } as JSONRPCMessage) : message;
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
