/**
 * `durable-mcp serve` child processes for the conformance runs: the shared
 * spawner (test/support/server-process.ts) at info level with a bounded log,
 * and stores cloned from one template, so each new PGlite data directory
 * costs a reopen (~0.5 s) instead of an initdb (seconds of CPU each, several
 * at once here).
 */
import { cpSync } from 'node:fs';
import { killAll } from '../../harness/process.js';
import { tempDir } from '../../harness/temp.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

export type Served = ServerProcess;

export interface ServeOptions {
  /** `pglite:<dir>` */
  store: string;
  /** Compiled app module. */
  app: string;
  startTimeoutMs?: number;
}

/** SIGKILLs every server process this test file started that is still running. */
export const killAllServers = killAll;

export function serve(options: ServeOptions): Promise<Served> {
  return startServer({ store: options.store, app: options.app, logLevel: 'info', keepLines: 2000, startTimeoutMs: options.startTimeoutMs ?? 120_000 });
}

/**
 * A store directory initialised once (initdb, durable-mcp's migrations) and
 * closed cleanly, to clone per server: `cloneStore(template)`.
 */
export async function templateStore(app: string): Promise<string> {
  const dir = tempDir('durable-mcp-conformance-template');
  const server = await serve({ store: `pglite:${dir}`, app, startTimeoutMs: 180_000 });
  // SIGTERM: a graceful shutdown closes the PGlite store, so the copy needs no recovery.
  const code = await server.kill('SIGTERM');
  if (code !== 0) throw new Error(`the template server exited with ${code}; stderr: ${server.stderr().slice(-2000)}`);
  return dir;
}

export function cloneStore(template: string, name: string): string {
  const dir = tempDir(`durable-mcp-conformance-${name}`);
  cpSync(template, dir, { recursive: true });
  return dir;
}
