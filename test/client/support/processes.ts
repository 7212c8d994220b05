/**
 * Real child processes for the client tests: fixture servers on 127.0.0.1,
 * SIGKILLed and restarted on the same port. Every wait is bounded, and every
 * process started here is tracked so `killAll()` in an `after` hook leaves
 * nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const live = new Set<ChildProcess>();

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` every 25 ms until it returns true. */
export async function waitFor(check: () => boolean, ms: number, label: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface LogEvent {
  event: string;
  pid: number;
  [field: string]: unknown;
}

/** A fixture server process that can be killed and started again on the same port. */
export class FixtureServer {
  readonly port: number;
  readonly logFile: string;
  readonly #script: string;
  readonly #dir: string;
  #process: ChildProcess | undefined;
  #stderr = '';

  private constructor(script: string, port: number) {
    this.#script = script;
    this.port = port;
    this.#dir = mkdtempSync(join(tmpdir(), 'durable-mcp-client-'));
    this.logFile = join(this.#dir, 'events.jsonl');
  }

  /** `script`: a file name in test/client/fixtures, or the URL of a compiled fixture elsewhere. */
  static async start(script: string | URL, env: Record<string, string> = {}): Promise<FixtureServer> {
    const path = typeof script === 'string' ? fixturePath(script) : fileURLToPath(script);
    const server = new FixtureServer(path, await freePort());
    await server.restart(env);
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/mcp`;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** Starts (again) on the same port and waits for READY. */
  async restart(env: Record<string, string> = {}): Promise<void> {
    if (this.#process) await this.kill();
    const child = spawn(process.execPath, [this.#script], {
      env: { ...process.env, PORT: String(this.port), FIXTURE_LOG: this.logFile, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    this.#process = child;
    child.once('exit', () => live.delete(child));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('READY')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`fixture exited with ${code} before READY: ${this.#stderr}`)));
      }),
      10_000,
      `${this.#script} READY`,
    );
  }

  /** SIGKILL, and wait until the process is really gone (its port is free again). */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await withTimeout(exited, 5_000, 'fixture exit after SIGKILL');
  }

  events(): LogEvent[] {
    let raw = '';
    try {
      raw = readFileSync(this.logFile, 'utf8');
    } catch {
      return [];
    }
    return raw
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogEvent);
  }

  count(event: string, match: Record<string, unknown> = {}): number {
    return this.events().filter((e) => e.event === event && Object.entries(match).every(([k, v]) => e[k] === v)).length;
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** For `after` hooks: nothing started by a test may outlive it. */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}
