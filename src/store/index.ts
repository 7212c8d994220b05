/** The store's public surface. Engines and SQL modules stay internal. */
export { openStore } from './open.js';
export { chooseDefaultStore, DEFAULT_STORE_DIR, type DefaultStore } from './default-store.js';
export { CORE_MIGRATIONS, CORE_NAMESPACE } from './schema.js';
export { parseStoreUrl, redactUrl } from './url.js';
export { sessionStats, type DeploymentSessions, type SessionStats } from './session-stats.js';
export {
  EmbeddedPostgresError,
  MigrationFailedError,
  MigrationInvalidError,
  StoreClosedError,
  StoreConnectRejectedError,
  StoreError,
  StoreErrors,
  StoreLockedError,
  StoreOptionsInvalidError,
  StoreQueryError,
  StoreTimeoutError,
  StoreUnreachableError,
  StoreUrlInvalidError,
  type StoreErrorCode,
} from './errors.js';
export type {
  Database,
  Engine,
  ListenHandlers,
  PoolStats,
  QueryObserver,
  QueryResult,
  Queryable,
  Unlisten,
} from './database.js';
export type {
  EventRepository,
  MailboxRepository,
  Migration,
  NewSession,
  SessionRecord,
  SessionRepository,
  SessionStatus,
  SessionTouch,
  SweptSession,
  StateRepository,
  StoredEvent,
} from './records.js';
export type { StoreKind } from './engine.js';
export type {
  ConnectRetryOptions,
  OpenStoreOptions,
  PoolOptions,
  Store,
  StoreLogger,
} from './store.js';
