/**
 * The seam between the gateway's front (durable sessions serving clients)
 * and whatever carries one front session's messages to the server behind it.
 * The front depends on this interface only: an upstream over Streamable HTTP
 * (upstream/UpstreamSession) and a stdio child process each implement it,
 * and a route of the gateway is served by one LinkFactory.
 */
import type { InitializeResult, JSONRPCNotification, JSONRPCRequest, JSONRPCResponse } from '@modelcontextprotocol/client';
import type { FrontIdentity, UpstreamEra, UpstreamHooks, UpstreamRequestOptions, UpstreamSnapshot } from './upstream/types.js';

export type { FrontIdentity, UpstreamHooks, UpstreamSnapshot } from './upstream/types.js';

/** One front session's connection to the server behind the gateway. */
export interface UpstreamLink {
  /** Creates the upstream session (or uses the restored one); what to answer the client's initialize with. */
  initialize(signal?: AbortSignal): Promise<InitializeResult>;
  /** Relays one request; resolves with the upstream's response message (which may be a JSON-RPC error). Failures are typed (see upstream/errors.ts). */
  request(message: JSONRPCRequest, options?: UpstreamRequestOptions): Promise<JSONRPCResponse>;
  /** Relays a client notification; false when there was nobody to deliver it to. */
  notify(message: JSONRPCNotification): Promise<boolean>;
  /** Delivers the client's answer to a server-to-client request. */
  reply(message: JSONRPCResponse): Promise<void>;
  /** Stops everything in this process; the upstream session is left to expire (another process may continue it). */
  close(): void | Promise<void>;
  /** Closes and ends the upstream session too: the client ended its own. */
  terminate(): Promise<void>;
  /** What to persist so any process can continue this upstream session; undefined before the first one. */
  readonly snapshot: UpstreamSnapshot | undefined;
  /** The era the upstream is spoken to in, once known. */
  readonly era: UpstreamEra | undefined;
}

/** Who a link serves: the front session (2025-era clients) and its principal. */
export interface LinkContext {
  /** For the logs of whatever serves the link (a stdio child's stderr is logged with it). */
  sessionId?: string;
  /** The authenticated principal: links never share an upstream process across principals. */
  principal?: string;
}

/**
 * Makes the link of one front session: `snapshot` is what an earlier process
 * persisted through `hooks.onSnapshot` (continue it), undefined for a new one.
 */
export type LinkFactory = (front: FrontIdentity, snapshot: UpstreamSnapshot | undefined, hooks: UpstreamHooks, context?: LinkContext) => UpstreamLink;
