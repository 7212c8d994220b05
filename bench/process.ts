/**
 * Every target runs as its own child process (harness/process.ts): its RSS is
 * its own, and the load generator (in the benchmark process) never shares its
 * event loop. Children still running when the benchmark exits are killed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnProcess, type ChildServer, type LogLine } from '../harness/process.js';

export { CLI } from '../harness/paths.js';
export { freePort } from '../harness/ports.js';
export const ECHO_APP = fileURLToPath(new URL('./echo-app.js', import.meta.url));
export const serverScript = (name: 'bare' | 'sdk-legacy' | 'sdk-v1-express' | 'sdk-stateless'): string =>
  fileURLToPath(new URL(`./servers/${name}.js`, import.meta.url));

export interface Memory {
  /** Resident set size now (VmRSS), MiB. */
  rssMiB: number;
  /** Peak resident set size (VmHWM), MiB. */
  hwmMiB: number;
}

export interface SpawnOptions {
  name: string;
  /** The script and its arguments (node runs it). */
  args: string[];
  nodeArgs?: string[];
  env?: Record<string, string | undefined>;
  /**
   * How readiness is seen: the `server_started` log line, or (when the log
   * level hides that line) GET /healthz on `port` answering 200.
   */
  ready: 'log' | 'healthz';
  port?: number;
  timeoutMs?: number;
}

export interface ServerProcess extends ChildServer {
  readonly url: string;
  readonly port: number;
  /** The `server_started` line, when readiness came from the log. */
  readonly started: LogLine | undefined;
  /** RSS now; NaN once the process is gone. */
  memory(): Memory;
}

export function readMemory(pid: number): Memory {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { rssMiB: NaN, hwmMiB: NaN };
  }
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

async function healthy(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  await res.arrayBuffer();
  return res.status === 200;
}

export async function spawnServer(options: SpawnOptions): Promise<ServerProcess> {
  const port = options.port;
  if (options.ready === 'healthz' && port === undefined) throw new Error(`${options.name}: ready 'healthz' needs a port`);
  const child = await spawnProcess({
    name: options.name,
    args: options.args,
    ...(options.nodeArgs && { nodeArgs: options.nodeArgs }),
    ...(options.env && { env: options.env }),
    ready: options.ready === 'log' ? { line: (l) => l.event === 'server_started' } : { probe: () => healthy(port!) },
    timeoutMs: options.timeoutMs ?? 120_000,
    // At warn level few lines come; at info every request logs one, and only the recent ones matter.
    keepLines: 1000,
  });
  const url = child.readyLine?.url !== undefined ? String(child.readyLine.url) : `http://127.0.0.1:${port}/mcp`;
  return Object.assign(child, { url, port: Number(new URL(url).port), started: child.readyLine, memory: () => readMemory(child.pid) });
}
