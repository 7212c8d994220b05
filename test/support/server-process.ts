import { fileURLToPath } from 'node:url';
import { CLI } from '../../harness/paths.js';
import { spawnProcess, type ChildServer, type LogLine } from '../../harness/process.js';

export { CLI };
export type { LogLine };
/** The compiled test app, resolved relative to this compiled file so any outDir works. */
export const TEST_APP = fileURLToPath(new URL('../fixtures/test-app.js', import.meta.url));

export interface StartOptions {
  /** `serve` (default) or `gateway` (which takes no --app; give its upstreams in `args`). */
  command?: 'serve' | 'gateway';
  store: string;
  port?: number;
  /** A compiled app module, or 'default' for what `serve` runs without --app. Default: the test app. */
  app?: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  deploymentId?: string;
  /** Default debug. */
  logLevel?: string;
  /** Log lines kept; default all. */
  keepLines?: number;
  /** Default 60 s. */
  startTimeoutMs?: number;
}

export interface ServerProcess extends ChildServer {
  readonly url: string;
  readonly port: number;
}

/** Starts `durable-mcp serve` as a real child process and resolves once it logged `server_started`. */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const child = await spawnProcess({
    name: `durable-mcp ${options.command ?? 'serve'} (${options.store})`,
    args: [
      CLI,
      options.command ?? 'serve',
      '--port',
      String(options.port ?? 0),
      '--store',
      options.store,
      ...(options.command === 'gateway' || options.app === 'default' ? [] : ['--app', options.app ?? TEST_APP]),
      '--log-level',
      options.logLevel ?? 'debug',
      ...(options.deploymentId ? ['--deployment-id', options.deploymentId] : []),
      ...(options.args ?? []),
    ],
    // The store comes from --store only: an inherited DATABASE_URL (the runner's) must not override it.
    env: { DATABASE_URL: undefined, ...options.env },
    ready: { line: (l) => l.event === 'server_started' },
    timeoutMs: options.startTimeoutMs ?? 60_000,
    ...(options.keepLines !== undefined && { keepLines: options.keepLines }),
  });
  const url = String(child.readyLine!.url);
  return Object.assign(child, { url, port: Number(new URL(url).port) });
}
