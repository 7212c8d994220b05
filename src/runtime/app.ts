/**
 * The public contract between durable-mcp and an app. An app registers tools,
 * resources and prompts on a stock SDK `McpServer`, exactly as any SDK user
 * would; the runtime decides when that server is built (once per legacy
 * session, rebuilt after a restart; once per modern request) and hands it a
 * context with durable state that outlives the transport.
 */
import type { McpServer, McpServerOptions, ServerCapabilities } from '@modelcontextprotocol/server';
import type { Queryable } from '../store/index.js';
import type { Migration } from '../store/index.js';

export type Era = 'legacy' | 'modern';

/** A small durable JSON key-value space. Values must be JSON-serialisable. */
export interface KeyValueState {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<boolean>;
  list(options?: { prefix?: string; limit?: number }): Promise<Array<{ key: string; value: unknown }>>;
}

/** SQL access to the runtime's store, for apps that keep their own tables (declared as `migrations`). */
export interface AppDatabase extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

export interface AppLogger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export interface ClientIdentity {
  name: string;
  version?: string;
}

/** What the runtime knows when it builds a server for an app. */
export interface AppContext {
  era: Era;
  /**
   * Who is calling: the API key's principal id, or `anonymous` when the server
   * runs without keys (loopback only). Never a token.
   */
  principal: string;
  /** The client's self-reported identity (initialize clientInfo, or the modern request's `_meta`), when known. */
  client?: ClientIdentity;
  /** The legacy session id; undefined for modern (sessionless) requests. */
  sessionId?: string;
  /** State scoped to this legacy session and principal; undefined for modern requests. Survives restarts. */
  sessionState?: KeyValueState;
  /** State scoped to the principal: outlives every session. */
  userState: KeyValueState;
  db: AppDatabase;
  deploymentId: string;
  logger: AppLogger;
  /**
   * Announces that tools, prompts or resources changed, to every open
   * 2026-07-28 `subscriptions/listen` stream on every instance.
   */
  changes: ChangeNotifier;
}

export interface ChangeNotifier {
  toolsChanged(): void;
  promptsChanged(): void;
  resourcesChanged(): void;
  resourceUpdated(uri: string): void;
}

export interface DurableApp {
  /** Server name reported in InitializeResult / server/discover; also the migrations namespace. */
  name: string;
  version: string;
  instructions?: string;
  /** Extra capabilities beyond what registering tools/resources/prompts declares. */
  capabilities?: ServerCapabilities;
  /**
   * SDK server options passed through as they are; today only the 2026-07-28
   * `requestState` integrity hook (e.g. `createRequestStateCodec(...).verify`).
   * Its key must be the same on every instance: any instance may get round two.
   */
  serverOptions?: Pick<McpServerOptions, 'requestState'>;
  /** The app's own tables, applied at boot in version order. */
  migrations?: readonly Migration[];
  /** Registers tools, resources and prompts. Called for every server instance the runtime builds: keep it cheap. */
  register(server: McpServer, ctx: AppContext): void | Promise<void>;
}

/** Identity helper that gives an app object literal its type. */
export function defineApp(app: DurableApp): DurableApp {
  return app;
}
