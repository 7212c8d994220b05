/**
 * `durable-mcp serve` child processes for the conformance runs. Like
 * test/support/server-process.ts, with two differences these runs need: a
 * process that fails to start is killed rather than left running (a slow
 * machine must not leak servers that keep the test alive), and stores are
 * cloned from one template, so each new PGlite data directory costs a reopen
 * (~0.5 s) instead of an initdb (seconds of CPU each, several at once here).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../support/server-process.js';

export interface Served {
  readonly url: string;
  readonly proc: ChildProcess;
  /** The last log lines (JSON objects when the line parsed), for diagnosis. */
  readonly logs: ReadonlyArray<Record<string, unknown>>;
  stderr(): string;
  /** Sends the signal and resolves with the exit code (or signal name) once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface ServeOptions {
  /** `pglite:<dir>` */
  store: string;
  /** Compiled app module. */
  app: string;
  startTimeoutMs?: number;
}

const KEEP_LOG_LINES = 2000;

/** Every process started here and not yet gone, so a failed run cleans up whatever it started. */
const running = new Set<ChildProcess>();

/** SIGKILLs every server process this module started that is still running. */
export async function killAllServers(): Promise<void> {
  await Promise.all(
    [...running].map(
      (proc) =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
          proc.once('exit', () => resolve());
          proc.kill('SIGKILL');
        }),
    ),
  );
}

export function serve(options: ServeOptions): Promise<Served> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', options.store, '--app', options.app, '--log-level', 'info'], {
    env: { ...process.env, DATABASE_URL: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffered = '';
  running.add(proc);
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      resolve(code ?? signal ?? -1);
    }),
  );
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    return exited;
  };

  return new Promise<Served>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void kill('SIGKILL');
      reject(new Error(`durable-mcp serve (${options.store}) ${why}; stderr: ${stderr.slice(-2000)}; last logs: ${JSON.stringify(logs.slice(-5))}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${options.startTimeoutMs ?? 120_000} ms`), options.startTimeoutMs ?? 120_000);
    void exited.then((code) => fail(`exited (${code}) before it was listening`));

    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-20_000)));
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const raw = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          line = { msg: raw };
        }
        logs.push(line);
        if (logs.length > KEEP_LOG_LINES) logs.splice(0, logs.length - KEEP_LOG_LINES);
        if (line.event === 'server_started') {
          clearTimeout(timer);
          resolve({ url: String(line.url), proc, logs, stderr: () => stderr, kill });
        }
      }
    });
  });
}

/**
 * A store directory initialised once (initdb, durable-mcp's migrations) and
 * closed cleanly, to clone per server: `cloneStore(template)`.
 */
export async function templateStore(app: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'durable-mcp-conformance-template-'));
  const server = await serve({ store: `pglite:${dir}`, app, startTimeoutMs: 180_000 });
  // SIGTERM: a graceful shutdown closes the PGlite store, so the copy needs no recovery.
  const code = await server.kill('SIGTERM');
  if (code !== 0) throw new Error(`the template server exited with ${code}; stderr: ${server.stderr().slice(-2000)}`);
  return dir;
}

export function cloneStore(template: string, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `durable-mcp-conformance-${name}-`));
  cpSync(template, dir, { recursive: true });
  return dir;
}
