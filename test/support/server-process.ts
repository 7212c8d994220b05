import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI and test app, resolved relative to this compiled file so any outDir works. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const TEST_APP = fileURLToPath(new URL('../fixtures/test-app.js', import.meta.url));

export type LogLine = Record<string, unknown> & { event?: string; msg?: string };

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
}

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly proc: ChildProcess;
  readonly logs: LogLine[];
  stderr(): string;
  /** Log lines with this `event`. */
  events(event: string): LogLine[];
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends the signal and resolves with the exit code (or signal name) once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<number | string>;
  exited: Promise<number | string>;
}

/** Starts `durable-mcp serve` as a real child process and resolves once it logged `server_started`. */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const args = [
    CLI,
    options.command ?? 'serve',
    '--port',
    String(options.port ?? 0),
    '--store',
    options.store,
    ...(options.command === 'gateway' || options.app === 'default' ? [] : ['--app', options.app ?? TEST_APP]),
    '--log-level',
    'debug',
    ...(options.deploymentId ? ['--deployment-id', options.deploymentId] : []),
    ...(options.args ?? []),
  ];
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, DATABASE_URL: undefined, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters = new Set<{ predicate: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  let stderr = '';
  let buffered = '';
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
      logs.push(line);
      for (const w of waiters) {
        if (w.predicate(line)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));

  const waitForLog = (predicate: (l: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> => {
    const seen = logs.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { predicate, resolve };
      waiters.add(waiter);
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}; last logs: ${JSON.stringify(logs.slice(-5))}`));
      }, timeoutMs);
      void exited.then((code) => {
        if (!waiters.has(waiter)) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`server exited (${code}) before the expected log line; stderr: ${stderr.slice(-2000)}`));
      });
      const original = waiter.resolve;
      waiter.resolve = (l) => {
        clearTimeout(timer);
        original(l);
      };
    });
  };

  let started: LogLine;
  try {
    started = await waitForLog((l) => l.event === 'server_started', 60_000);
  } catch (error) {
    // A server that never came up must not outlive the test that started it.
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    throw error;
  }
  const url = String(started.url);
  return {
    url,
    port: Number(new URL(url).port),
    proc,
    logs,
    stderr: () => stderr,
    events: (event) => logs.filter((l) => l.event === event),
    waitForLog,
    exited,
    async kill(signal = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}
