/**
 * The runtime's parts, for tests and benchmarks only: never exported from the
 * package entry. Reaching in here from an app is a bug; apps get AppContext.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { Lifecycle } from './lifecycle.js';
import type { Metrics } from './ops/metrics.js';
import type { SessionRegistry } from './sessions/registry.js';

export interface RuntimeInternals {
  sessions: SessionRegistry;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
}

const internals = new WeakMap<object, RuntimeInternals>();

export function exposeInternals(server: object, parts: RuntimeInternals): void {
  internals.set(server, parts);
}

export function internalsOf(server: object): RuntimeInternals {
  const parts = internals.get(server);
  if (!parts) throw new Error('not a durable-mcp server (or one from another copy of the package)');
  return parts;
}
