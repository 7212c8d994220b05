/**
 * What the store keeps, and the repository contracts over it. The SQL lives in
 * the repository modules beside this file and is shared by both engines.
 */

/** Everything a fresh process needs to continue a 2025-era session without a client re-initialize. */
export interface SessionRecord {
  id: string;
  /** Who created it; a request from anyone else treats the id as unknown. */
  principal: string;
  /** Negotiated protocol version (the InitializeResult's, not only what the client asked for). */
  protocolVersion: string;
  /** The client's InitializeRequest params as received: capabilities, clientInfo, protocolVersion. */
  initializeParams: Record<string, unknown>;
  /** Level set with logging/setLevel, replayed on rebuild. */
  logLevel: string | null;
  /** Resource URIs the client subscribed to, replayed on rebuild. */
  subscriptions: string[];
  createdAt: Date;
  lastActiveAt: Date;
  expiresAt: Date;
  terminatedAt: Date | null;
  /** Deployment that created the session. */
  deploymentId: string;
  /** Free-form runtime bookkeeping (e.g. the last deployment that served it, the tool-list hash it last saw). */
  meta: Record<string, unknown>;
  /**
   * The endpoint the session was created on: '' for a server's one endpoint, a name for one of several (the
   * gateway's `/mcp/<name>`). A session is served only where it was created.
   */
  route: string;
}

export type NewSession = Omit<SessionRecord, 'lastActiveAt' | 'terminatedAt' | 'meta' | 'route'> & {
  meta?: Record<string, unknown>;
  /** Default ''. */
  route?: string;
};

export interface SessionStatus {
  principal: string;
  expiresAt: Date;
  terminatedAt: Date | null;
}

export interface SweptSession {
  id: string;
  principal: string;
  protocolVersion: string;
  createdAt: Date;
  /** true: removed for idle expiry; false: removed after its post-termination retention. */
  expired: boolean;
}

export interface SessionTouch {
  id: string;
  lastActiveAt: Date;
  expiresAt: Date;
}

export interface SessionRepository {
  create(session: NewSession): Promise<void>;
  /** Just what decides whether a session may be served, for many ids in one statement; unknown ids are absent. */
  statuses(ids: readonly string[]): Promise<Map<string, SessionStatus>>;
  /** The record whatever its state (expired and terminated included), or undefined. */
  get(id: string): Promise<SessionRecord | undefined>;
  /**
   * Applies a batch of last-active updates in one statement. Never moves
   * lastActiveAt/expiresAt backwards and never revives a terminated session.
   */
  touch(batch: readonly SessionTouch[]): Promise<void>;
  /** Marks terminated. Returns false when the id was unknown or already terminated. */
  terminate(id: string, at: Date): Promise<boolean>;
  setLogLevel(id: string, level: string): Promise<void>;
  addSubscription(id: string, uri: string): Promise<void>;
  removeSubscription(id: string, uri: string): Promise<void>;
  /** Shallow-merges `patch` into meta. */
  mergeMeta(id: string, patch: Record<string, unknown>): Promise<void>;
  /**
   * Deletes up to `limit` sessions that expired before `now`, or were terminated
   * before `terminatedBefore`, together with their events and session-scoped
   * state. Returns what was deleted. Bounded so a sweep never holds locks for long.
   */
  sweep(now: Date, terminatedBefore: Date, limit: number): Promise<SweptSession[]>;
  count(): Promise<number>;
}

/** One SSE event of one stream of one session. `seq` orders events within a stream. */
export interface StoredEvent {
  sessionId: string;
  streamId: string;
  seq: bigint;
  message: unknown;
}

export interface EventRepository {
  /** Inserts a batch in one statement (the runtime group-commits). Duplicates (same session, stream, seq) are ignored. */
  append(events: readonly StoredEvent[]): Promise<void>;
  /** Events of that stream with seq > afterSeq, ascending, at most `limit`. */
  after(sessionId: string, streamId: string, afterSeq: bigint, limit: number): Promise<StoredEvent[]>;
  /** Drops every event of one stream (a finished stream needs no replay once its retention passed). */
  deleteStream(sessionId: string, streamId: string): Promise<void>;
  /** Deletes up to `limit` events created before `before`. Returns how many. */
  pruneOlderThan(before: Date, limit: number): Promise<number>;
}

/**
 * A small JSON key-value space. `scope` is an opaque string chosen by the
 * runtime (for example `session:<id>` or `principal:<id>`); keys are unique
 * within a scope.
 */
export interface StateRepository {
  get(scope: string, key: string): Promise<unknown | undefined>;
  set(scope: string, key: string, value: unknown): Promise<void>;
  /** Stores `value` unless the key holds one already; returns what the key holds afterwards (the first writer wins). */
  setIfAbsent(scope: string, key: string, value: unknown): Promise<unknown>;
  delete(scope: string, key: string): Promise<boolean>;
  /** Keys (and values) in a scope, optionally under a key prefix, ordered by key, at most `limit`. */
  list(scope: string, options?: { prefix?: string; limit?: number }): Promise<Array<{ key: string; value: unknown }>>;
  deleteScope(scope: string): Promise<number>;
}

/**
 * Parking for cluster messages too large for a NOTIFY payload. Messages are
 * read by id (every reader of a broadcast reads the same row) and pruned by age.
 */
export interface MailboxRepository {
  put(payload: unknown): Promise<bigint>;
  get(id: bigint): Promise<unknown | undefined>;
  pruneOlderThan(before: Date): Promise<number>;
}

/** A versioned schema step. Versions are unique and ascending within a namespace. */
export interface Migration {
  version: number;
  name: string;
  /** One or more SQL statements, run in one transaction. */
  sql: string;
}
