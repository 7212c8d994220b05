/**
 * durable-mcp: the public API. Apps import from here (or from
 * `durable-mcp/client` for the resilient client); nothing else in the package
 * is a promise.
 */
export { defineApp } from './runtime/app.js';
export type { AppContext, AppDatabase, AppLogger, ChangeNotifier, ClientIdentity, DurableApp, Era, KeyValueState } from './runtime/app.js';
export { createDurableServer } from './runtime/server.js';
export type { DurableServer, DurableServerHook, DurableServerOptions } from './runtime/server.js';
export type { Mount, MountContext, MountFactory } from './runtime/runtime-options.js';
export { loadApiKeys, parseApiKeys, hashToken } from './runtime/auth/api-keys.js';
export type { ApiKey } from './runtime/auth/api-keys.js';
export { DurableMcpError, RuntimeErrors, WireErrors } from './runtime/errors.js';
export type { DurableMcpErrorCode, WireErrorCode } from './runtime/errors.js';
export { listen, isLoopback } from './node/listen.js';
export type { ListenOptions, Listening } from './node/listen.js';
export { openStore, StoreError, StoreErrors } from './store/index.js';
export type { Migration, OpenStoreOptions, Store, StoreErrorCode } from './store/index.js';
export { createDurableGateway } from './gateway/gateway.js';
export type {
  DurableGatewayOptions,
  GatewayMountContext,
  GatewayMountFactory,
  GatewayUpstreamOptions,
  HttpUpstreamOptions,
  LinkUpstreamOptions,
  Reachability,
  UpstreamHistory,
  UpstreamStatus,
} from './gateway/gateway.js';
export type { LinkFactory, UpstreamLink } from './gateway/link.js';
