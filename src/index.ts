/**
 * durable-mcp: the public API. Apps import from here (or from
 * `durable-mcp/client` for the resilient client).
 */
export { defineApp } from './runtime/app.js';
export type { AppContext, AppDatabase, AppLogger, ChangeNotifier, ClientIdentity, DurableApp, Era, KeyValueState } from './runtime/app.js';
export { createDurableServer } from './runtime/server.js';
export type { DurableServer, DurableServerOptions } from './runtime/server.js';
export { loadApiKeys, parseApiKeys, hashToken } from './runtime/auth/api-keys.js';
export type { ApiKey } from './runtime/auth/api-keys.js';
export { DurableMcpError, WireErrors } from './runtime/errors.js';
export { listen, isLoopback } from './node/listen.js';
export type { ListenOptions, Listening } from './node/listen.js';
export { openStore } from './store/open.js';
export type { Store, OpenStoreOptions } from './store/store.js';
export type { Migration } from './store/records.js';
