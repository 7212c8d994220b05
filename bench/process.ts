/**
 * Every target runs as its own child process: its RSS is its own, and the
 * load generator (in the benchmark process) never shares its event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Resolved relative to this compiled file, so any outDir (dist/, .tmp/bench/) works. */
export const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
export const ECHO_APP = fileURLToPath(new URL('./echo-app.js', import.meta.url));
export const serverScript = (name: 'bare' | 'sdk-legacy' | 'sdk-v1-express' | 'sdk-stateless'): string =>
  fileURLToPath(new URL(`./servers/${name}.js`, import.meta.url));

export type LogLine = Record<string, unknown> & { event?: string; level?: number; msg?: string };

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

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  readonly port: number;
  /** From spawn() to readiness, ms. */
  readonly readyMs: number;
  /** The `server_started` line, when readiness came from the log. */
  readonly started: LogLine | undefined;
  /** Lines at error level or above seen so far (pino level >= 50). */
  errors(): LogLine[];
  /** RSS now; NaN once the process is gone. */
  memory(): Memory;
  /** Undefined while running; else how it ended (exit code or signal). */
  exitStatus(): string | undefined;
  /** SIGKILL (a crash) and wait for exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after `graceMs`. Resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  stderrTail(): string;
}

/** A TCP port free on loopback right now (the test helper, shared). */
export { freePort } from '../test/support/ports.js';

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

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Children still running: killed if the benchmark itself exits early (Ctrl-C, a thrown error). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function spawnServer(options: SpawnOptions): Promise<ServerProcess> {
  const t0 = performance.now();
  const proc: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), ...options.args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errorLines: LogLine[] = [];
  let stderr = '';
  let buffered = '';
  let startedLine: LogLine | undefined;
  let onStarted: ((line: LogLine) => void) | undefined;
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const raw = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        line = { msg: raw };
      }
      if ((line.level ?? 0) >= 50 && errorLines.length < 100) errorLines.push(line);
      if (line.event === 'server_started' && !startedLine) {
        startedLine = line;
        onStarted?.(line);
      }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  live.add(proc);
  let exitedYet = false;
  let exitStatus: string | undefined;
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      exitedYet = true;
      exitStatus = signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve();
    }),
  );

  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = t0 + timeoutMs;
  const fail = (why: string): Error => {
    proc.kill('SIGKILL');
    return new Error(`${options.name}: ${why}; stderr: ${stderr.slice(-2000)}`);
  };

  let readyAt: number;
  if (options.ready === 'log') {
    const line = await new Promise<LogLine>((resolve, reject) => {
      if (startedLine) return resolve(startedLine);
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(fail(`no server_started line within ${timeoutMs} ms`));
      }, timeoutMs);
      onStarted = (l) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(l);
      };
      void exited.then(() => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(fail('exited before it was ready'));
      });
    });
    readyAt = performance.now();
    startedLine = line;
  } else {
    if (options.port === undefined) throw new Error(`${options.name}: ready 'healthz' needs a port`);
    const health = `http://127.0.0.1:${options.port}/healthz`;
    for (;;) {
      if (exitedYet) throw fail('exited before it was ready');
      if (performance.now() > deadline) throw fail(`/healthz not answering within ${timeoutMs} ms`);
      const ok = await fetch(health).then(
        async (res) => {
          await res.arrayBuffer();
          return res.status === 200;
        },
        () => false,
      );
      if (ok) break;
      await sleep(10);
    }
    readyAt = performance.now();
  }
  const url = startedLine?.url !== undefined ? String(startedLine.url) : `http://127.0.0.1:${options.port}/mcp`;
  const pid = proc.pid!;

  const waitExit = async (graceMs: number): Promise<void> => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    name: options.name,
    pid,
    url,
    port: Number(new URL(url).port),
    readyMs: readyAt - t0,
    started: startedLine,
    errors: () => errorLines,
    memory: () => readMemory(pid),
    exitStatus: () => exitStatus,
    async kill() {
      if (!exitedYet) proc.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 15_000) {
      if (exitedYet) return;
      proc.kill('SIGTERM');
      await waitExit(graceMs);
    },
    stderrTail: () => stderr,
  };
}
