/**
 * The targets of the throughput comparison, and the store and process
 * plumbing every section shares.
 */
import { removeTempDir, tempDir } from '../harness/temp.js';
import { openStore } from '../src/store/index.js';
import { startPostgres, type PostgresCluster } from './postgres.js';
import { isEchoResult, LEGACY_ECHO, legacyHeaders, MODERN_ECHO, MODERN_HEADERS } from './mcp.js';
import { CLI, ECHO_APP, freePort, serverScript, spawnServer, type ServerProcess } from './process.js';

/** embedded-postgres: the default store (a PostgreSQL child of the server); postgres: a shared server (DATABASE_URL or the bench's own). */
export type StoreKind = 'embedded-postgres' | 'pglite' | 'postgres';
export const STORE_KINDS: readonly StoreKind[] = ['embedded-postgres', 'pglite', 'postgres'];

export interface StoreHandle {
  kind: StoreKind;
  /** A `--store` URL: `embedded-postgres:<dir>`, `pglite:<dir>` or `postgres://...`. */
  url: string;
  cleanup(): Promise<void>;
}

/** Lazily started shared resources (the PostgreSQL cluster, temp dirs), released once at the end. */
export class Resources {
  private cluster: Promise<PostgresCluster> | undefined;
  private readonly dirs: string[] = [];

  postgres(): Promise<PostgresCluster> {
    this.cluster ??= startPostgres();
    return this.cluster;
  }

  tempDir(prefix: string): string {
    const dir = tempDir(`durable-mcp-bench-${prefix}`);
    this.dirs.push(dir);
    return dir;
  }

  /**
   * A fresh, empty store of that kind, by default already initialized (initdb and the migrations
   * run here, in the benchmark process): servers then start on an existing store, as
   * they do on every boot but the first, so neither their RSS nor their start-up carries initdb.
   * Cold first boots are measured on their own (boot section).
   */
  async newStore(kind: StoreKind, options: { initialize?: boolean } = {}): Promise<StoreHandle> {
    let handle: StoreHandle;
    if (kind === 'pglite' || kind === 'embedded-postgres') {
      const dir = this.tempDir(kind);
      handle = { kind, url: `${kind}:${dir}`, cleanup: async () => removeTempDir(dir) };
    } else {
      const db = await (await this.postgres()).createDatabase();
      handle = { kind, url: db.url, cleanup: () => db.drop() };
    }
    if (options.initialize !== false) await (await openStore({ url: handle.url })).close();
    return handle;
  }

  async close(): Promise<void> {
    for (const dir of this.dirs) removeTempDir(dir);
    if (this.cluster) await (await this.cluster).stop();
  }
}

export interface DurableOptions {
  store: string;
  /** An app module; 'default' serves what `npm start` serves (the memory app). Default: the bench echo app. */
  app?: string;
  /** Fixed, so a restart is the same deployment (pure rehydration); change it to simulate a deploy. */
  deploymentId?: string;
  /** 'warn' for load (the per-request info line would be measured too); 'info' to see `server_started`. */
  logLevel?: 'warn' | 'info';
  nodeArgs?: string[];
  args?: string[];
  name?: string;
  /** Default: a free one. */
  port?: number;
}

/** A real `durable-mcp serve` process from the compiled CLI, serving the bench echo app. */
export async function startDurable(options: DurableOptions): Promise<ServerProcess> {
  const logLevel = options.logLevel ?? 'warn';
  const port = options.port ?? (await freePort());
  return spawnServer({
    name: options.name ?? 'durable-mcp',
    args: [
      CLI,
      'serve',
      '--port',
      String(port),
      '--store',
      options.store,
      ...(options.app === 'default' ? [] : ['--app', options.app ?? ECHO_APP]),
      '--log-level',
      logLevel,
      '--deployment-id',
      options.deploymentId ?? 'dep-bench',
      ...(options.args ?? []),
    ],
    ...(options.nodeArgs && { nodeArgs: options.nodeArgs }),
    // The store comes from --store only; an inherited DATABASE_URL must not leak into a PGlite target.
    env: { DATABASE_URL: undefined, DURABLE_MCP_STORE: undefined, LOG_LEVEL: undefined },
    // At warn the `server_started` line is not printed, so readiness is polled on /healthz.
    ready: logLevel === 'info' ? 'log' : 'healthz',
    port,
  });
}

export type TargetId = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h';
/** Variants measured only to attribute a miss (profile section), not part of the comparison. */
export type DiagnosticId = 'd-json' | 'e-json';

/** How requests to a target are shaped: fixed JSON (bare), per-session legacy calls, or modern envelope calls. */
export type Shape = 'bare' | 'legacy' | 'modern';

export interface Target {
  id: TargetId | DiagnosticId;
  label: string;
  /** For a diagnostic variant: the target it varies. */
  base?: TargetId;
  shape: Shape;
  start(resources: Resources, nodeArgs?: string[]): Promise<RunningTarget>;
}

export interface RunningTarget {
  proc: ServerProcess;
  /** The durable targets' store. */
  storeUrl?: string;
  /** Stops the process (gracefully, so a CPU profile gets written) and drops its store. */
  stop(): Promise<void>;
}

/** The request every client of this target sends (sessions are added per connection), and how its answer is checked. */
export function requestShape(target: Target): { body: string; headers: Record<string, string>; verify: (body: string) => boolean } {
  switch (target.shape) {
    case 'bare':
      return { body: LEGACY_ECHO, headers: { 'content-type': 'application/json' }, verify: (b) => b.includes('"text":"hello"') };
    case 'legacy':
      return { body: LEGACY_ECHO, headers: legacyHeaders(), verify: isEchoResult };
    case 'modern':
      return { body: MODERN_ECHO, headers: MODERN_HEADERS, verify: isEchoResult };
  }
}

async function plain(name: Parameters<typeof serverScript>[0], nodeArgs: string[] | undefined): Promise<RunningTarget> {
  const proc = await spawnServer({ name, args: [serverScript(name)], ready: 'log', env: { PORT: '0' }, ...(nodeArgs && { nodeArgs }) });
  return { proc, stop: async () => void (await proc.stop()) };
}

async function durable(resources: Resources, kind: StoreKind, nodeArgs: string[] | undefined, name: string, args?: string[]): Promise<RunningTarget> {
  const store = await resources.newStore(kind);
  const proc = await startDurable({ store: store.url, name, ...(nodeArgs && { nodeArgs }), ...(args && { args }) });
  return {
    proc,
    storeUrl: store.url,
    stop: async () => {
      await proc.stop();
      await store.cleanup();
    },
  };
}

export const TARGETS: ReadonlyArray<Target & { id: TargetId }> = [
  { id: 'a', label: '(a) bare node:http, fixed JSON-RPC result', shape: 'bare', start: (_r, n) => plain('bare', n) },
  { id: 'b', label: '(b) SDK v2 stateful, in-memory sessions', shape: 'legacy', start: (_r, n) => plain('sdk-legacy', n) },
  { id: 'g', label: '(g) SDK v1 + express example, in-memory sessions', shape: 'legacy', start: (_r, n) => plain('sdk-v1-express', n) },
  { id: 'c', label: '(c) SDK v2 createMcpHandler, modern', shape: 'modern', start: (_r, n) => plain('sdk-stateless', n) },
  { id: 'h', label: '(h) durable-mcp legacy, embedded PostgreSQL (default)', shape: 'legacy', start: (r, n) => durable(r, 'embedded-postgres', n, 'durable-embedded') },
  { id: 'd', label: '(d) durable-mcp legacy, PGlite', shape: 'legacy', start: (r, n) => durable(r, 'pglite', n, 'durable-pglite') },
  { id: 'e', label: '(e) durable-mcp legacy, PostgreSQL', shape: 'legacy', start: (r, n) => durable(r, 'postgres', n, 'durable-postgres') },
  { id: 'f', label: '(f) durable-mcp modern (PGlite store)', shape: 'modern', start: (r, n) => durable(r, 'pglite', n, 'durable-modern') },
];

/**
 * (d) and (e) answering in JSON instead of SSE: the SDK then stores no events,
 * so the difference to (d)/(e) is what SSE framing (priming event, event ids)
 * and any event writes cost.
 */
export const DIAGNOSTIC_TARGETS: readonly Target[] = [
  {
    id: 'd-json',
    base: 'd',
    label: '(d) with --response-mode json (no SSE)',
    shape: 'legacy',
    start: (r, n) => durable(r, 'pglite', n, 'durable-pglite-json', ['--response-mode', 'json']),
  },
  {
    id: 'e-json',
    base: 'e',
    label: '(e) with --response-mode json (no SSE)',
    shape: 'legacy',
    start: (r, n) => durable(r, 'postgres', n, 'durable-postgres-json', ['--response-mode', 'json']),
  },
];
