/**
 * The shapes the upstream side shares with whoever drives it (the gateway's
 * front): what a front session hands in, what is persisted so that any
 * gateway process continues the same upstream session, and what is reported.
 */
import type {
  Implementation,
  InitializeRequestParams,
  JSONRPCNotification,
  JSONRPCRequest,
  LoggingLevel,
  RequestId,
  ServerCapabilities,
  ToolAnnotations,
} from '@modelcontextprotocol/client';
import type { RetryReason } from '../../client/events.js';
import type { UnknownOutcomeReason } from '../../client/errors.js';

/** Which protocol the upstream is spoken to in: 2025-era sessions (initialize) or 2026-07-28 (per-request `_meta`). */
export type UpstreamEra = 'legacy' | 'modern';

export type ListKind = 'tools' | 'prompts' | 'resources';

/** What the front session knows about its client: the upstream is always spoken to in the client's own name. */
export interface FrontIdentity {
  /**
   * The client's initialize params as stored by the front (for a 2026-07-28 client: built from its request
   * `_meta`). Sent upstream as they are, unknown fields included.
   */
  initialize: InitializeRequestParams;
  /** Re-applied on every new upstream session (and sent in `_meta` to a 2026-07-28 upstream). */
  logLevel?: LoggingLevel;
  /** Resource subscriptions, re-applied on every new upstream session. */
  subscriptions?: readonly string[];
}

/**
 * Everything needed to continue an upstream session in another process
 * without a new initialize. Plain JSON: the front persists it as it is.
 */
export interface UpstreamSnapshot {
  /** Format of this object; bumped on incompatible changes. */
  format: 1;
  era: UpstreamEra;
  /** The upstream's `Mcp-Session-Id` (legacy era, when it issued one). */
  sessionId?: string;
  /** The negotiated protocol version (legacy: from InitializeResult; modern: the `_meta` version in use). */
  protocolVersion: string;
  serverInfo: Implementation;
  capabilities: ServerCapabilities;
  instructions?: string;
  /** Annotations of every tool the upstream listed (a tool listed without hints maps to `{}`). */
  toolAnnotations: Record<string, ToolAnnotations>;
  /** sha256 of the first page of each list the client has seen, to tell whether a new upstream session changed it. */
  listHashes: Partial<Record<ListKind, string>>;
  logLevel?: LoggingLevel;
  subscriptions: string[];
  /** How many upstream sessions this front session has had (1 after the first initialize). */
  generation: number;
}

/** A message from the upstream for the client: a notification, or a server-to-client request. */
export type UpstreamMessage = JSONRPCRequest | JSONRPCNotification;

export type UpstreamState = 'idle' | 'initializing' | 'ready' | 'reinitializing' | 'lost' | 'closed';

/**
 * Why a new upstream session replaced the old one. HTTP: the upstream lost it
 * (404, a 400 saying so, its standalone stream refused). stdio: the child
 * exited on its own, was stopped by the gateway (idle, drain), or this
 * process has none yet for a session it continues from a snapshot.
 */
export type RecreateReason = 'not-found' | 'bad-session' | 'stream-rejected' | 'child-exited' | 'child-stopped' | 'restored';

export interface RecreatedInfo {
  reason: RecreateReason;
  previousSessionId: string | undefined;
  sessionId: string | undefined;
  generation: number;
  /** Lists the client had seen that differ on the new upstream session: send list_changed for these. */
  listsChanged: ListKind[];
  /** Re-initialize, replay and list checks, in ms. */
  durationMs: number;
  replayed: { logLevel: LoggingLevel | undefined; subscriptions: number };
}

/** Everything reported for logs and metrics; each transition is reported exactly once. */
export type UpstreamEvent =
  | { type: 'transition'; from: UpstreamState; to: UpstreamState; reason: string; sessionId: string | undefined; generation: number }
  | { type: 'retry'; method: string; tool: string | undefined; reason: RetryReason; attempt: number; delayMs: number }
  | { type: 'outcome_unknown'; method: string; tool: string | undefined; reason: UnknownOutcomeReason }
  | { type: 'unreachable'; during: 'handshake' | 'stream'; attempt: number; error: string }
  | { type: 'request'; method: string; ok: boolean; durationMs: number; sends: number; errorCode: string | undefined }
  | { type: 'stream'; state: 'opened' | 'unsupported' | 'held-elsewhere' | 'ended' | 'given-up'; detail: string | undefined }
  | { type: 'replay_failed'; what: string; error: string };

export interface UpstreamHooks {
  /** The snapshot changed: persist it. Called after every (re)initialize and whenever learned state changes. */
  onSnapshot?(snapshot: UpstreamSnapshot): void;
  /**
   * Upstream notifications and server-to-client requests (sampling, elicitation, roots). `relatedRequestId`
   * names the client request whose stream carried it; absent for the standalone stream.
   */
  onMessage?(message: UpstreamMessage, relatedRequestId?: RequestId): void;
  /** The upstream lost the session and a new one now serves this front session. */
  onRecreated?(info: RecreatedInfo): void;
  onEvent?(event: UpstreamEvent): void;
}

export interface UpstreamRequestOptions {
  /** The caller's cancellation (the client went away, or the front is shutting down). */
  signal?: AbortSignal;
  /** Messages on this request's own stream (progress, logging, sampling...); `onMessage` gets them otherwise. */
  onRelated?(message: UpstreamMessage): void;
}
