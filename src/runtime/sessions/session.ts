import type { AuthInfo, JSONRPCMessage, RequestId, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { wireError, wireErrorMessage } from '../errors.js';
import type { InFlight } from '../in-flight.js';
import { clientGone } from '../web/client-gone.js';
import type { SessionEventStore } from '../events/session-event-store.js';
import { announcementNotifications, type Announcement } from './announcement.js';
import { isRuntimeRequestId, type SessionBackend } from './backend.js';
import type { Catalogue } from './catalogue.js';
import { isRequest, isResponse, type JSONRPCRequestLike } from './messages.js';
import { parseRequestTag, tagRequestId } from './reply-ids.js';
import { StandaloneStream } from './standalone.js';
import type { SessionLife, SessionState, TransitionDetail } from './states.js';

interface RunningRequest {
  method: string;
  tool?: string;
  /** The HTTP request that carried it: its client may go away before the response is done (clientGone). */
  request?: Request;
  /** The server ended its POST stream early (SSE polling): the response will go to a resumed stream. */
  detached?: boolean;
  /** False from arrival until the transport hands the request on: a request it refuses is forgotten. */
  seen: boolean;
  /** Ends this request's share of the process-wide in-flight count. */
  leave: () => void;
}

export interface SessionParts {
  id: string;
  principal: string;
  /** The endpoint the session belongs to ('' for the one endpoint). */
  route: string;
  protocolVersion: string;
  expiresAt: number;
  life: SessionLife;
  backend: SessionBackend;
  transport: WebStandardStreamableHTTPServerTransport;
  events: SessionEventStore;
  inFlight: InFlight;
  /** Prefix for server-to-client request ids, so replies find this instance. */
  instanceId: string;
}

/**
 * A durable session held in this process: the session's backend (the app's
 * McpServer, or the gateway's upstream relay) behind a stateful SDK transport
 * that believes it initialized this session, for real or through a replayed
 * handshake. It watches the messages crossing the transport to know which
 * requests are running (drain, duplicate ids, the restart answer) and to
 * deliver a pending announcement on the first stream it gets.
 */
export class Session {
  readonly id: string;
  readonly principal: string;
  readonly route: string;
  readonly protocolVersion: string;
  readonly transport: WebStandardStreamableHTTPServerTransport;
  readonly events: SessionEventStore;
  /** What answers this session's messages (the app's McpServer, or the gateway's relay). */
  readonly backend: SessionBackend;
  /** Sliding expiry as last seen by this process (ms since epoch). */
  expiresAt: number;
  /** Tools, prompts and resources offered, with tool annotations, when listed. */
  catalogue: Catalogue | undefined;
  readonly #life: SessionLife;
  readonly #inFlight: InFlight;
  readonly #instanceId: string;
  readonly #running = new Map<RequestId, RunningRequest>();
  /** handle() calls between arrival and the transport's answer. */
  #arriving = 0;
  #announcement: Announcement | undefined;
  readonly #standalone: StandaloneStream;
  #deliver: ((message: JSONRPCMessage) => void) | undefined;

  constructor(parts: SessionParts) {
    this.id = parts.id;
    this.principal = parts.principal;
    this.route = parts.route;
    this.protocolVersion = parts.protocolVersion;
    this.expiresAt = parts.expiresAt;
    this.transport = parts.transport;
    this.events = parts.events;
    this.#life = parts.life;
    this.backend = parts.backend;
    this.#inFlight = parts.inFlight;
    this.#instanceId = parts.instanceId;
    this.#standalone = new StandaloneStream(parts.transport, parts.events);
  }

  /** Connects the backend, then watches what crosses the transport (the backend's callbacks must be in place first). */
  async connect(): Promise<void> {
    await this.backend.connect(this.transport);
    this.#watchTransport();
  }

  get state(): SessionState {
    return this.#life.state;
  }

  get serving(): boolean {
    return this.#life.serving;
  }

  /** Moves the session's life on (see states.ts); false when that move is not possible from here. */
  transition(to: SessionState, detail?: TransitionDetail): boolean {
    return this.#life.to(to, detail);
  }

  get hasStandaloneStream(): boolean {
    return this.#standalone.isOpen;
  }

  /** Batching was removed from the protocol in 2025-06-18. */
  get allowsBatches(): boolean {
    return this.protocolVersion < '2025-06-18';
  }

  get requestsInFlight(): number {
    return this.#running.size;
  }

  /** A busy session is never evicted: requests are running or arriving, or a standalone stream is open. */
  get busy(): boolean {
    return this.#arriving > 0 || this.#running.size > 0 || this.#standalone.isOpen;
  }

  announce(announcement: Announcement): void {
    this.#announcement = announcement;
  }

  async handle(request: Request, parsedBody: unknown, authInfo: AuthInfo | undefined): Promise<Response> {
    const claimed = this.#claim(parsedBody, request);
    if (!Array.isArray(claimed)) return claimed;
    this.#arriving += 1;
    let response: Response;
    try {
      response = await this.transport.handleRequest(request, { parsedBody, ...(authInfo && { authInfo }) });
    } finally {
      this.#arriving -= 1;
      // Requests the transport refused before reading them (bad headers, wrong Accept) never run.
      for (const id of claimed) {
        const entry = this.#running.get(id);
        if (entry?.seen === false) this.#finish(id, entry);
      }
    }
    if (request.method !== 'GET' || response.status !== 200) return response;
    const opened = this.#standalone.opened(request, response);
    // A freshly opened standalone stream is the other place an announcement can go.
    if (!opened.resumed) this.#deliverAnnouncement(undefined);
    return opened.response;
  }

  /** Another instance stored standalone-stream events for this session: relay them if the client's GET stream is here. */
  relayStandalone(): Promise<void> {
    return this.#standalone.relay();
  }

  /** A client's reply to a request this instance sent, received by another instance. */
  deliverReply(message: JSONRPCMessage): void {
    this.#deliver?.(restoreReplyId(message, this.#instanceId));
  }

  /**
   * Ends every request still running with an error that says the server is
   * restarting and whether repeating the request is safe (drain deadline).
   */
  async abortInFlight(deploymentId: string): Promise<number> {
    const pending = [...this.#running.entries()];
    for (const [id, info] of pending) {
      const retryable = info.method !== 'tools/call' || this.#safeToRepeat(info.tool);
      const message = wireErrorMessage('SERVER_RESTARTING', {
        id,
        message: retryable
          ? 'The server is restarting and this request did not finish. It is safe to send it again.'
          : 'The server is restarting and this request did not finish. It may or may not have taken effect: check before repeating it.',
        data: { retryable, deploymentId },
      });
      // Stored as an event if its stream is gone; either way the request is answered and leaves the count.
      // (The catalogue builds ids as `string | number | null`; this one is the running request's own id.)
      await this.transport.send(message as JSONRPCMessage).catch(() => this.#finish(id, info));
    }
    return pending.length;
  }

  /** Closes the standalone GET stream; the client reconnects (to any instance) after its retry delay. */
  closeStandaloneStream(): void {
    this.transport.closeStandaloneSSEStream();
  }

  /** Ends the session in this process (`state`: why) and releases whatever it was still counting. */
  async close(state: 'evicted' | 'expired' | 'terminated' | 'closed' | 'failed', detail?: TransitionDetail): Promise<void> {
    this.#life.to(state, detail);
    for (const [id, entry] of [...this.#running]) this.#finish(id, entry);
    await this.backend.close({ state, ...(detail?.by && { by: detail.by }) });
  }

  #safeToRepeat(tool: string | undefined): boolean {
    return tool !== undefined && (this.catalogue ? this.catalogue.isSafeToRepeat(tool) : this.backend.isSafeToRepeat?.(tool)) === true;
  }

  /**
   * Registers the requests in a POST before the transport sees them, so that
   * a second request reusing an id still in flight is refused at once. The
   * SDK maps responses to streams by id: without this, one of the two streams
   * would never get an answer and would hang the client and the drain.
   */
  #claim(body: unknown, carrier: Request): RequestId[] | Response {
    const requests = (Array.isArray(body) ? body : [body]).filter(isRequest);
    const ids = requests.map((r) => r.id);
    const taken = ids.find((id, i) => this.#running.has(id) || ids.indexOf(id) !== i);
    if (taken !== undefined) {
      return wireError('REQUEST_ID_IN_FLIGHT', {
        message: `Invalid Request: request id ${JSON.stringify(taken)} is already in flight on this session; every request needs an id of its own`,
        id: taken,
      });
    }
    for (const request of requests) this.#start(request, carrier, false);
    return ids;
  }

  #start(request: JSONRPCRequestLike, carrier: Request | undefined, seen: boolean): RunningRequest {
    const name = (request.params as { name?: unknown } | undefined)?.name;
    const entry: RunningRequest = {
      method: request.method,
      ...(request.method === 'tools/call' && typeof name === 'string' && { tool: name }),
      ...(carrier && { request: carrier }),
      seen,
      leave: this.#inFlight.enter(),
    };
    this.#running.set(request.id, entry);
    return entry;
  }

  #finish(id: RequestId, entry: RunningRequest): void {
    if (this.#running.get(id) === entry) this.#running.delete(id);
    entry.leave();
  }

  #watchTransport(): void {
    const transport = this.transport;
    const deliver = transport.onmessage;
    this.#deliver = (message) => deliver?.(message);
    transport.onmessage = (message, extra) => {
      if (isResponse(message)) {
        deliver?.(restoreReplyId(message, this.#instanceId), extra);
        return;
      }
      if ((message as { method?: unknown }).method === 'notifications/cancelled') {
        // The SDK sends no response for a cancelled request: stop counting it as running.
        const requestId = ((message as { params?: { requestId?: RequestId } }).params ?? {}).requestId;
        const entry = requestId === undefined ? undefined : this.#running.get(requestId);
        if (entry) this.#finish(requestId!, entry);
      }
      if (isRequest(message)) {
        // Claimed on arrival (handle) for a client's request; the runtime's own requests arrive here first.
        const entry = this.#running.get(message.id) ?? this.#start(message, extra?.request, true);
        entry.seen = true;
        const closeStream = extra?.closeSSEStream;
        if (closeStream) {
          extra.closeSSEStream = () => {
            entry.detached = true;
            closeStream();
          };
        }
        if (this.#announcement && !isRuntimeRequestId(message.id)) this.#deliverAnnouncement(message.id);
      }
      deliver?.(message, extra);
    };
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
      if (isResponse(message)) {
        const entry = this.#running.get(message.id);
        if (entry) this.#finish(message.id, entry);
        // The response goes onto the open POST stream that asked for it, whose end the client then reads: nobody
        // will resume that stream, so storing the response would only cost a write. Responses to a client that
        // went away, or to a stream the server closed early, are stored and replayed on resume.
        if (entry?.request && !entry.detached && !clientGone(entry.request)) this.events.skip(message);
      }
      if (isRequest(message) && parseRequestTag(message.id) === undefined) {
        return send({ ...message, id: tagRequestId(this.#instanceId, message.id) }, options);
      }
      return send(message, options);
    };
  }

  /** Sends the pending announcement on the stream of `relatedRequestId` (or the standalone stream), once. */
  #deliverAnnouncement(relatedRequestId: RequestId | undefined): void {
    const announcement = this.#announcement;
    if (!announcement) return;
    this.#announcement = undefined;
    for (const { method, params } of announcementNotifications(announcement)) {
      // A notification the client misses changes nothing it relies on: the session continues as it was.
      void this.backend.notify(method, params, relatedRequestId).catch(() => undefined);
    }
  }
}

function restoreReplyId(message: JSONRPCMessage, instanceId: string): JSONRPCMessage {
  const tag = parseRequestTag((message as { id?: unknown }).id);
  return tag && tag.instanceId === instanceId ? ({ ...message, id: tag.id } as JSONRPCMessage) : message;
}
