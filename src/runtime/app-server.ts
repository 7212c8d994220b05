import { McpServer } from '@modelcontextprotocol/server';
import type { Store } from '../store/index.js';
import type { AppContext, AppDatabase, AppLogger, ChangeNotifier, ClientIdentity, DurableApp, Era } from './app.js';
import { DurableMcpError } from './errors.js';
import { mcpServerBackend, type SessionBackendFactory } from './sessions/backend.js';
import { principalScope, scopedState, sessionScope } from './state.js';

export interface BuildRequest {
  era: Era;
  principal: string;
  client?: ClientIdentity;
  sessionId?: string;
}

export type ServerBuilder = (request: BuildRequest) => Promise<McpServer>;

/**
 * Builds a stock SDK McpServer for the app. Called once per legacy session
 * (again after a restart or eviction) and once per modern request, so what
 * does not depend on the request is computed here, once.
 */
export function createServerBuilder(
  app: DurableApp,
  store: Store,
  deploymentId: string,
  logger: AppLogger,
  changes: ChangeNotifier,
): ServerBuilder {
  const db: AppDatabase = {
    engine: store.engine,
    query: (sql, params) => store.db.query(sql, params),
    transaction: (fn) => store.db.transaction(fn),
  };
  const capabilities = { logging: {}, ...app.capabilities };
  const info = { name: app.name, version: app.version };
  const options = { ...app.serverOptions, capabilities, ...(app.instructions && { instructions: app.instructions }) };

  return async (request) => {
    const server = new McpServer(info, options);
    const ctx: AppContext = {
      era: request.era,
      principal: request.principal,
      userState: scopedState(store.state, principalScope(request.principal)),
      db,
      deploymentId,
      logger,
      changes,
      ...(request.client && { client: request.client }),
      ...(request.sessionId !== undefined && {
        sessionId: request.sessionId,
        sessionState: scopedState(store.state, sessionScope(request.sessionId)),
      }),
    };
    try {
      await app.register(server, ctx);
    } catch (error) {
      throw new DurableMcpError('APP_REGISTER_FAILED', `app '${app.name}' failed to register: ${(error as Error).message}`, { cause: error });
    }
    return server;
  };
}

/** The client identity from initialize params or a modern request's `_meta`; undefined unless well formed. */
export function clientIdentityOf(info: unknown): ClientIdentity | undefined {
  if (typeof info !== 'object' || info === null) return undefined;
  const { name, version } = info as { name?: unknown; version?: unknown };
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) return undefined;
  return typeof version === 'string' ? { name, version: version.slice(0, 100) } : { name };
}

/** An app's servers as durable-session backends: one McpServer per session. */
export function appSessionBackends(build: ServerBuilder): SessionBackendFactory {
  return async (request) => mcpServerBackend(await build({ era: 'legacy', ...request }));
}
