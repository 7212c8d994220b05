/**
 * What the console needs from the process that serves it. The runtime and the
 * memory app never import the console; the CLI (or an embedding program)
 * builds these from the store, the metrics registry and the API keys.
 */
import type { Registry } from 'prom-client';
import type { AppLogger } from '../runtime/app.js';
import type { ApiKey } from '../runtime/auth/api-keys.js';
import type { Db } from '../apps/memory/sql.js';
import type { SessionStats } from '../store/index.js';

export interface ConsoleOptions {
  /** The server's API keys; without any, the console is open to every caller (loopback only), as /mcp is. */
  apiKeys: readonly ApiKey[];
  /** Principals whose keys open the operations pages. Without API keys everyone may. */
  operators: readonly string[];
  /** Mark cookies Secure (HTTPS only). The CLI sets it whenever the server does not bind loopback. */
  secureCookies: boolean;
  /** Where the cookie-signing secret is kept, shared by every instance on the store. */
  secrets: SecretStore;
  /** The memory app's database, when the server runs the memory app; without it the console has no memory pages. */
  memory?: Db;
  ops: OpsSource;
  logger: AppLogger;
  /** Sign-ins last this long. Default 12 h. */
  sessionTtlMs?: number;
  /** Largest import upload. Default 64 MiB. */
  maxImportBytes?: number;
  /** How often the operations charts sample the counters. Default 60 s (an hour is 60 bars). */
  sampleIntervalMs?: number;
}

/** First writer wins, so every instance on one store signs with the same secret. */
export interface SecretStore {
  getOrCreate(name: string, create: () => string): Promise<string>;
}

export interface InstanceInfo {
  deploymentId: string;
  instanceId: string;
  version: string;
  store: string;
  startedAt: Date;
}

/**
 * One upstream of the gateway, when the process runs as one: the shape
 * `durable-mcp gateway` hands its mounts (GatewayMountContext.upstreams), so
 * the console shows it without importing the gateway.
 */
export interface UpstreamHealth {
  /** Its name in metrics, logs and `/upstreams` (`default` for the one at `/mcp`). */
  name: string;
  /** Where clients reach it on the gateway. */
  path: string;
  /** What the gateway says about it: `url` (without credentials), `era`, `kind`... Never a secret. */
  describe: Readonly<Record<string, unknown>>;
  /** Whether it answers now; undefined when this kind of upstream offers no check. */
  reachability:
    | { reachable: boolean; httpStatus?: number; latencyMs: number; error?: string; checkedAt: string }
    | undefined;
  /** What this gateway process has seen of it since it started. */
  history: {
    reinitializations: Readonly<Record<string, number | undefined>>;
    lastReinitialization?: { at: string; reason: string; generation: number; durationMs: number; listsChanged: readonly string[] };
    unknownOutcomes: number;
    lastUnknownOutcome?: { at: string; method: string; tool?: string };
    lastUnreachable?: { at: string; during: string; error: string };
  };
}

export interface OpsSource {
  instance: InstanceInfo;
  /** The process's metrics; the console reads them by their public names, as dashboards do. */
  registry: Registry;
  /** What the session table says about every instance on the store. */
  fleet(): Promise<SessionStats>;
  isDraining(): boolean;
  /** Present when running as a gateway: the console then shows operations only, upstreams first. */
  upstreams?(): Promise<UpstreamHealth[]>;
}
