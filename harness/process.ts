/**
 * The one way tests, benchmarks and scripts start a server as a real child
 * process: output read as log lines, readiness awaited within a bound (a
 * process that never gets ready is killed, not left running), and every
 * child still running when this process exits SIGKILLed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { LogReader, type LogLine } from './log-reader.js';

export type { LogLine } from './log-reader.js';

export type Readiness =
  /** A stdout line (JSON log line or plain text as `{ msg }`) that says the process is ready. */
  | { line: (line: LogLine) => boolean }
  /** Polled until it resolves true (e.g. GET /healthz answers 200). */
  | { probe: () => Promise<boolean>; everyMs?: number };

export interface SpawnOptions {
  /** Names the process in errors. */
  name: string;
  /** The executable; default: this Node (then `nodeArgs` go before `args`). */
  command?: string;
  args: string[];
  nodeArgs?: string[];
  /** Added to this process's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  ready: Readiness;
  /** Default 60 s. */
  timeoutMs?: number;
  /** Log lines kept (the most recent); default all. */
  keepLines?: number;
}

export interface ChildServer {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** From spawn() to readiness, ms. */
  readonly readyMs: number;
  /** The line that signalled readiness, when readiness came from a line. */
  readonly readyLine: LogLine | undefined;
  /** Log lines read so far. */
  readonly logs: LogLine[];
  /** Log lines with this `event`. */
  events(event: string): LogLine[];
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** The first lines at error level or above (pino level >= 50), kept even when other lines are not. */
  errors(): LogLine[];
  stderr(): string;
  /** Resolves with the exit code, or the signal's name, once the process is gone. */
  readonly exited: Promise<number | string>;
  /** Undefined while running. */
  exitStatus(): number | string | undefined;
  /** Sends the signal (default SIGKILL: a crash) and resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<number | string>;
  /** SIGTERM (graceful), SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<number | string>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** SIGKILLs every child started here that still runs, and waits until they are gone (for `after` hooks). */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

const STDERR_KEEP = 20_000;
const ERRORS_KEEP = 100;

export async function spawnProcess(options: SpawnOptions): Promise<ChildServer> {
  const t0 = performance.now();
  const node = options.command === undefined;
  const proc = spawn(options.command ?? process.execPath, [...(node ? (options.nodeArgs ?? []) : []), ...options.args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  let status: number | string | undefined;
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      status = code ?? signal ?? -1;
      resolve(status);
    }),
  );
  const errorLines: LogLine[] = [];
  const reader = new LogReader(options.keepLines, (line) => {
    if (Number(line.level) >= 50 && errorLines.length < ERRORS_KEEP) errorLines.push(line);
  });
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => reader.push(chunk));
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_KEEP)));
  const explain = (why: string) => `${options.name}: ${why}; stderr: ${stderr.slice(-2000)}; last logs: ${JSON.stringify(reader.lines.slice(-5))}`;

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (status === undefined) proc.kill(signal);
    return exited;
  };
  const timeoutMs = options.timeoutMs ?? 60_000;
  let readyLine: LogLine | undefined;
  try {
    const ready = options.ready;
    if ('line' in ready) {
      readyLine = await reader.waitFor(ready.line, timeoutMs, exited, (why) => explain(`not ready: ${why}`));
    } else {
      const deadline = t0 + timeoutMs;
      // A probe that throws (connection refused while the process boots) means "not yet".
      while (!(await ready.probe().catch(() => false))) {
        if (status !== undefined) throw new Error(explain(`exited (${status}) before it was ready`));
        if (performance.now() > deadline) throw new Error(explain(`not ready within ${timeoutMs} ms`));
        await new Promise((r) => setTimeout(r, ready.everyMs ?? 10));
      }
    }
  } catch (error) {
    // A process that never came up must not outlive whoever started it.
    await kill('SIGKILL');
    throw error;
  }
  const readyMs = performance.now() - t0;
  return {
    name: options.name,
    proc,
    pid: proc.pid!,
    readyMs,
    readyLine,
    logs: reader.lines,
    events: (event) => reader.lines.filter((l) => l.event === event),
    waitForLog: (predicate, ms = 20_000) => reader.waitFor(predicate, ms, exited, explain),
    errors: () => errorLines,
    stderr: () => stderr,
    exited,
    exitStatus: () => status,
    kill,
    async stop(graceMs = 15_000) {
      if (status !== undefined) return status;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
