/**
 * The store's error catalogue. Every error carries a stable string `code`
 * (never reused, safe to branch on); database failures keep the engine's own
 * error as `cause` and its SQLSTATE as `sqlState`. Messages never contain a
 * password: URLs are redacted before they reach a message.
 */
export const StoreErrors = {
  STORE_CLOSED: 'the store was closed; nothing more is served from it',
  STORE_LOCKED: 'another live process holds the embedded store directory (PGlite or embedded PostgreSQL)',
  STORE_UNREACHABLE: 'the database could not be reached before the connect-retry budget ran out',
  STORE_CONNECT_REJECTED: 'the database answered but refused the connection (credentials, missing database)',
  STORE_URL_INVALID: 'the store URL is malformed or names an unknown engine',
  STORE_OPTIONS_INVALID: 'an option passed to openStore is out of range',
  STORE_QUERY_FAILED: 'a statement failed (SQLSTATE in `sqlState`)',
  STORE_TIMEOUT: 'the database did not answer within its bound',
  MIGRATION_INVALID: 'a migration list is malformed (versions, names)',
  MIGRATION_FAILED: 'a migration statement failed; nothing of it was applied',
  EMBEDDED_POSTGRES_FAILED: 'the managed PostgreSQL child could not be set up or started (binaries, initdb, start)',
} as const;

export type StoreErrorCode = keyof typeof StoreErrors;

export abstract class StoreError extends Error {
  abstract readonly code: StoreErrorCode;
}

/** The store was closed (the server is shutting down); nothing more is served from it. */
export class StoreClosedError extends StoreError {
  readonly code = 'STORE_CLOSED';
  constructor() {
    super('The store is closed');
    this.name = 'StoreClosedError';
  }
}

/** The database did not answer within its bound (a hung server or a saturated pool). */
export class StoreTimeoutError extends StoreError {
  readonly code = 'STORE_TIMEOUT';
  constructor(what: string, timeoutMs: number) {
    super(`${what} did not answer within ${timeoutMs} ms`);
    this.name = 'StoreTimeoutError';
  }
}

/** Another live process (or this one) already serves the embedded store's directory (PGlite or embedded PostgreSQL). */
export class StoreLockedError extends StoreError {
  readonly code = 'STORE_LOCKED';
  constructor(
    readonly dir: string,
    readonly pid: number,
    engine: 'PGlite' | 'embedded PostgreSQL' = 'PGlite',
  ) {
    const who = pid === process.pid ? `this process (pid ${pid}) already has` : `another process (pid ${pid}) holds`;
    super(
      `${who} the ${engine} data directory ${dir}; an embedded store serves one process per directory, ` +
        'use PostgreSQL (a postgres:// URL) to run several processes on one store',
    );
    this.name = 'StoreLockedError';
  }
}

/** The database could not be reached before the connect-retry budget ran out. */
export class StoreUnreachableError extends StoreError {
  readonly code = 'STORE_UNREACHABLE';
  constructor(message: string, options: { cause?: unknown; attempts: number; elapsedMs: number }) {
    super(message, { cause: options.cause });
    this.name = 'StoreUnreachableError';
    this.attempts = options.attempts;
    this.elapsedMs = options.elapsedMs;
  }
  readonly attempts: number;
  readonly elapsedMs: number;
}

/** The server answered but refused us (bad credentials, missing database): retrying would not help. */
export class StoreConnectRejectedError extends StoreError {
  readonly code = 'STORE_CONNECT_REJECTED';
  constructor(
    message: string,
    readonly sqlState: string | undefined,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'StoreConnectRejectedError';
  }
}

export class StoreUrlInvalidError extends StoreError {
  readonly code = 'STORE_URL_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'StoreUrlInvalidError';
  }
}

export class StoreOptionsInvalidError extends StoreError {
  readonly code = 'STORE_OPTIONS_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'StoreOptionsInvalidError';
  }
}

/** A statement failed. Same shape on both engines, so callers branch on `sqlState` (e.g. '23505'). */
export class StoreQueryError extends StoreError {
  readonly code = 'STORE_QUERY_FAILED';
  /** SQLSTATE when the server answered; undefined for connection-level failures. */
  readonly sqlState: string | undefined;
  readonly constraint: string | undefined;
  readonly detail: string | undefined;
  constructor(cause: unknown) {
    const fields = databaseErrorFields(cause);
    super(fields.message, { cause });
    this.name = 'StoreQueryError';
    this.sqlState = fields.sqlState;
    this.constraint = fields.constraint;
    this.detail = fields.detail;
  }
}

/**
 * The managed PostgreSQL child could not be set up or started: no binaries for this platform,
 * initdb failed, or the server exited before it accepted connections. The message says which,
 * with the tail of its output.
 */
export class EmbeddedPostgresError extends StoreError {
  readonly code = 'EMBEDDED_POSTGRES_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
  }
}

export class MigrationInvalidError extends StoreError {
  readonly code = 'MIGRATION_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'MigrationInvalidError';
  }
}

export class MigrationFailedError extends StoreError {
  readonly code = 'MIGRATION_FAILED';
  readonly sqlState: string | undefined;
  constructor(
    readonly namespace: string,
    readonly version: number,
    readonly migrationName: string,
    cause: unknown,
  ) {
    const fields = databaseErrorFields(cause);
    super(`Migration ${namespace} v${version} (${migrationName}) failed: ${fields.message}`, { cause });
    this.name = 'MigrationFailedError';
    this.sqlState = fields.sqlState;
  }
}

interface DatabaseErrorFields {
  message: string;
  sqlState: string | undefined;
  constraint: string | undefined;
  detail: string | undefined;
}

/** Reads the fields both `pg` and PGlite put on their DatabaseError, from whatever was thrown. */
export function databaseErrorFields(error: unknown): DatabaseErrorFields {
  if (error instanceof StoreQueryError) {
    return { message: error.message, sqlState: error.sqlState, constraint: error.constraint, detail: error.detail };
  }
  if (!(error instanceof Error)) {
    return { message: String(error), sqlState: undefined, constraint: undefined, detail: undefined };
  }
  const fields = error as Error & { code?: unknown; severity?: unknown; constraint?: unknown; detail?: unknown };
  // Only a server error (it has a severity) carries a SQLSTATE; Node's socket codes (EPIPE...) are not SQLSTATEs.
  const sqlState = typeof fields.code === 'string' && fields.severity !== undefined ? fields.code : undefined;
  const message = error.message || (typeof fields.code === 'string' ? fields.code : error.name);
  return {
    message,
    sqlState,
    constraint: typeof fields.constraint === 'string' ? fields.constraint : undefined,
    detail: typeof fields.detail === 'string' ? fields.detail : undefined,
  };
}

/** Wraps an engine error once; store errors (closed, already wrapped) pass through untouched. */
export function toStoreError(error: unknown): Error {
  if (error instanceof StoreError) return error;
  return new StoreQueryError(error);
}
