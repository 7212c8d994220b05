/**
 * Real child processes for the client tests: fixture servers on 127.0.0.1,
 * SIGKILLed and restarted on the same port, started through the shared
 * spawner (harness/process.ts), so `killAll()` in an `after` hook leaves
 * nothing behind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../harness/ports.js';
import { spawnProcess, type ChildServer } from '../../../harness/process.js';
import { removeTempDir, tempDir } from '../../../harness/temp.js';
import { withTimeout } from '../../../harness/timeout.js';

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
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
  #process: ChildServer | undefined;

  private constructor(script: string, port: number) {
    this.#script = script;
    this.port = port;
    this.#dir = tempDir('durable-mcp-client');
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
    this.#process = await spawnProcess({
      name: this.#script,
      args: [this.#script],
      env: { PORT: String(this.port), FIXTURE_LOG: this.logFile, ...env },
      ready: { line: (l) => String(l.msg).startsWith('READY') },
      timeoutMs: 10_000,
    });
  }

  /** SIGKILL, and wait until the process is really gone (its port is free again). */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child) await withTimeout(child.kill('SIGKILL'), 5_000, 'fixture exit after SIGKILL');
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
    removeTempDir(this.#dir);
  }
}
