/**
 * The gateway's upstream fixtures as real processes, on a fixed port across
 * SIGKILLs and restarts (the client tests' FixtureServer does the process
 * work). Adds the writes file every fixture appends to, so a test can count
 * what really ran.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDir, tempDir } from '../../../harness/temp.js';
import { FixtureServer } from '../../client/support/processes.js';

export type UpstreamKind = 'sdk-v1-express' | 'sdk-v2-404' | 'sdk-v2-modern' | 'fastmcp';

export class UpstreamFixture {
  readonly kind: UpstreamKind;
  readonly server: FixtureServer;
  readonly writesFile: string;
  readonly #dir: string;

  private constructor(kind: UpstreamKind, server: FixtureServer, dir: string) {
    this.kind = kind;
    this.server = server;
    this.#dir = dir;
    this.writesFile = join(dir, 'writes.txt');
  }

  static async start(kind: UpstreamKind, env: Record<string, string> = {}): Promise<UpstreamFixture> {
    const dir = tempDir('durable-mcp-upstream');
    const server = await FixtureServer.start(new URL(`../fixtures/${kind}.js`, import.meta.url), { FIXTURE_WRITES: join(dir, 'writes.txt'), ...env });
    return new UpstreamFixture(kind, server, dir);
  }

  get url(): string {
    return this.server.url;
  }

  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void> {
    return this.server.kill();
  }

  /** Starts again on the same port (killing first if it runs); `env` may change the tool list. */
  restart(env: Record<string, string> = {}): Promise<void> {
    return this.server.restart({ FIXTURE_WRITES: this.writesFile, ...env });
  }

  /** Lines the `append` tools wrote, in order. */
  writes(): string[] {
    try {
      return readFileSync(this.writesFile, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  count(event: string, match: Record<string, unknown> = {}): number {
    return this.server.count(event, match);
  }

  async dispose(): Promise<void> {
    await this.server.dispose();
    removeTempDir(this.#dir);
  }
}
