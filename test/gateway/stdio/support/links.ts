/**
 * Stdio upstreams as the front drives them, with everything they report
 * captured: the route's child events, and per link its events, snapshots,
 * messages and recreations. The servers are real: the official reference
 * servers installed by the normal setup (never downloaded at test time) and
 * the SDK v2 fixture server over stdio.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStdioUpstream, StdioUpstreamSession, type LinkContext, type StdioEvent, type StdioLink, type StdioUpstream, type StdioUpstreamConfig } from '../../../../src/gateway/stdio/index.js';
import type { FrontIdentity, RecreatedInfo, UpstreamEvent, UpstreamMessage, UpstreamSnapshot } from '../../../../src/gateway/upstream/index.js';
import type { RequestId } from '@modelcontextprotocol/client';

const require = createRequire(import.meta.url);

/** The entry script of an installed stdio server package (its `bin`), run with this node. */
export function serverScript(pkg: '@modelcontextprotocol/server-memory' | '@modelcontextprotocol/server-everything'): string {
  return join(require.resolve(`${pkg}/package.json`).replace(/package\.json$/, ''), 'dist', 'index.js');
}

export const FIXTURE_STDIO = fileURLToPath(new URL('../../fixtures/sdk-v2-stdio.js', import.meta.url));

export const CLIENT: FrontIdentity['initialize'] = {
  protocolVersion: '2025-11-25',
  capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
  clientInfo: { name: 'stdio-front-client', version: '2.7.1' },
};

/** Bounded for tests; the defaults are minutes-scale for production. */
export const TEST_STDIO: Partial<StdioUpstreamConfig> = {
  requestTimeoutMs: 30_000,
  // A node child on a loaded 2-core machine can take seconds to boot: an upper bound, not a wait.
  startupTimeoutMs: 20_000,
  stopGraceMs: 1_000,
  backoff: { initialDelayMs: 20, maxDelayMs: 200 },
};

export interface ObservedLink {
  link: StdioLink;
  events: UpstreamEvent[];
  snapshots: UpstreamSnapshot[];
  messages: Array<{ message: UpstreamMessage; related: RequestId | undefined }>;
  recreated: RecreatedInfo[];
}

export class StdioRig {
  readonly upstream: StdioUpstream;
  readonly childEvents: StdioEvent[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'durable-mcp-stdio-'));
  readonly #links: StdioLink[] = [];

  constructor(config: StdioUpstreamConfig) {
    this.upstream = createStdioUpstream({ ...TEST_STDIO, ...config }, (event) => {
      this.childEvents.push(event);
      if (process.env.STDIO_TEST_DEBUG) process.stderr.write(`child event ${JSON.stringify(event)}\n`);
    });
  }

  /** The SDK v2 fixture over stdio, logging to files in this rig's directory. */
  static fixture(config: Partial<StdioUpstreamConfig> = {}, env: Record<string, string> = {}): StdioRig {
    const dir = mkdtempSync(join(tmpdir(), 'durable-mcp-stdio-fixture-'));
    const rig = new StdioRig({
      command: process.execPath,
      args: [FIXTURE_STDIO],
      env: { FIXTURE_LOG: join(dir, 'log.jsonl'), FIXTURE_WRITES: join(dir, 'writes.txt'), ...env },
      ...config,
    });
    rig.#fixtureDir = dir;
    return rig;
  }

  #fixtureDir: string | undefined;

  /** The fixture's log events (initialize, call...). */
  log(event?: string): Array<Record<string, unknown>> {
    if (!this.#fixtureDir) return [];
    let text = '';
    try {
      text = readFileSync(join(this.#fixtureDir, 'log.jsonl'), 'utf8');
    } catch {
      return [];
    }
    const all = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    return event ? all.filter((e) => e.event === event) : all;
  }

  writes(): string[] {
    if (!this.#fixtureDir) return [];
    try {
      return readFileSync(join(this.#fixtureDir, 'writes.txt'), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  link(options: { identity?: Partial<FrontIdentity>; snapshot?: UpstreamSnapshot; context?: LinkContext } = {}): ObservedLink {
    const observed: Omit<ObservedLink, 'link'> = { events: [], snapshots: [], messages: [], recreated: [] };
    const link = this.upstream.link({ initialize: CLIENT, ...options.identity }, options.snapshot, {
      onEvent: (event) => {
        observed.events.push(event);
        if (process.env.STDIO_TEST_DEBUG) process.stderr.write(`link event ${JSON.stringify(event)}\n`);
      },
      onSnapshot: (snapshot) => observed.snapshots.push(structuredClone(snapshot)),
      onMessage: (message, related) => observed.messages.push({ message, related }),
      onRecreated: (info) => observed.recreated.push(info),
    }, options.context ?? { sessionId: `test-session-${this.#links.length + 1}`, principal: 'tester' });
    this.#links.push(link);
    return { ...observed, link };
  }

  /** Process group ids of every child this rig started (the wrapper's pid leads each group). */
  pgids(): number[] {
    return [...new Set(this.childEvents.flatMap((e) => ('pid' in e && e.pid !== undefined ? [e.pid] : [])))];
  }

  async dispose(): Promise<void> {
    for (const link of this.#links) await link.close();
    await this.upstream.drain();
    rmSync(this.dir, { recursive: true, force: true });
    if (this.#fixtureDir) rmSync(this.#fixtureDir, { recursive: true, force: true });
  }
}

/** The running child's pid (its process group), for an exclusive link. */
export function pidOf(link: StdioLink): number | undefined {
  return link instanceof StdioUpstreamSession ? link.pid : undefined;
}

let nextId = 0;

export function call(name: string, args: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return { jsonrpc: '2.0' as const, id: ++nextId, method: 'tools/call', params: { name, arguments: args, ...extra } };
}

export function rpc(method: string, params?: Record<string, unknown>) {
  return { jsonrpc: '2.0' as const, id: ++nextId, method, ...(params && { params }) };
}

export { textOf } from '../../support/session.js';
