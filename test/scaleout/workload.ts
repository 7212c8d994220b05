/**
 * Stock MCP clients (SDK v2 in legacy mode, and SDK v1) calling tools in a
 * loop while something is done to the servers behind them. Each client checks
 * its own answers: echo returns its text, state_get returns what this client
 * last set in its session. Nothing here retries or re-initializes: what a
 * stock client would see is what is counted.
 */
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';

export type ClientKind = 'v2' | 'v1';

export interface CallFailure {
  client: number;
  kind: ClientKind;
  tool: string;
  /** ms since the workload started. */
  at: number;
  /** How long the call took before it failed, ms. */
  elapsedMs: number;
  /** A normalized error kind for counting (ids and numbers masked). */
  type: string;
  message: string;
}

type ToolResult = { content?: Array<{ type: string; text?: string }>; isError?: boolean };

export interface WorkloadClient {
  readonly index: number;
  readonly kind: ClientKind;
  /** The session id right after connect. */
  readonly initialSessionId: string;
  sessionId(): string | undefined;
  call(name: string, args: Record<string, unknown>, timeoutMs: number): Promise<ToolResult>;
  /** Errors the SDK reported outside of a call (GET stream reconnects and the like). */
  readonly backgroundErrors: string[];
  close(): Promise<void>;
}

export async function connectClient(url: string, index: number, kind: ClientKind): Promise<WorkloadClient> {
  const backgroundErrors: string[] = [];
  const onerror = (error: Error) => {
    if (backgroundErrors.length < 200) backgroundErrors.push(normalize(error.message ?? String(error)));
  };
  if (kind === 'v2') {
    const client = new V2Client({ name: `scaleout-v2-${index}`, version: '2.4.0' }, { versionNegotiation: { mode: 'legacy' } });
    const transport = new V2Transport(new URL(url));
    await client.connect(transport);
    client.onerror = onerror;
    return {
      index,
      kind,
      initialSessionId: transport.sessionId ?? '',
      sessionId: () => transport.sessionId,
      call: async (name, args, timeoutMs) => (await client.callTool({ name, arguments: args }, { timeout: timeoutMs })) as ToolResult,
      backgroundErrors,
      close: () => client.close(),
    };
  }
  const client = new V1Client({ name: `scaleout-v1-${index}`, version: '1.32.2' });
  const transport = new V1Transport(new URL(url));
  await client.connect(transport);
  client.onerror = onerror;
  return {
    index,
    kind,
    initialSessionId: transport.sessionId ?? '',
    sessionId: () => transport.sessionId,
    call: async (name, args, timeoutMs) => (await client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs })) as ToolResult,
    backgroundErrors,
    close: () => client.close(),
  };
}

/** `count` clients, the last `v1` of them SDK v1, connected a few at a time. */
export async function connectClients(url: string, count: number, v1: number): Promise<WorkloadClient[]> {
  const clients: WorkloadClient[] = [];
  for (let i = 0; i < count; i += 5) {
    const batch = Array.from({ length: Math.min(5, count - i) }, (_, j) => i + j);
    clients.push(...(await Promise.all(batch.map((n) => connectClient(url, n, n >= count - v1 ? 'v1' : 'v2')))));
  }
  return clients;
}

export function normalize(message: string): string {
  return message
    .replace(/\s+/g, ' ')
    .replace(/[0-9a-f]{8}-[0-9a-f-]{27,}/gi, '<uuid>')
    .replace(/\b(sess|dep|inst)[-_][A-Za-z0-9_-]+/g, '$1-<id>')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
}

/** A stable label for counting failures by kind: error class, code or HTTP status, normalized message. */
export function classify(error: unknown): string {
  if (!(error instanceof Error)) return `non-Error: ${normalize(String(error))}`;
  const e = error as Error & { code?: unknown; status?: unknown; data?: { status?: unknown } };
  const status = e.status ?? e.data?.status;
  const code = e.code !== undefined ? ` code=${String(e.code)}` : '';
  const http = status !== undefined ? ` http=${String(status)}` : '';
  const cause = e.cause instanceof Error ? ` (cause: ${normalize(e.cause.message)})` : '';
  return `${e.constructor.name}${code}${http}: ${normalize(e.message)}${cause}`;
}

export interface WorkloadOptions {
  callTimeoutMs: number;
  /** Hard bound on rounds per client (each round is 4 calls). */
  maxRounds: number;
  /** Duration of the `sleep` call in each round, ms. */
  sleepMs: number;
}

export interface WorkloadResult {
  calls: number;
  ok: number;
  failures: CallFailure[];
  perClient: Array<{ index: number; kind: ClientKind; calls: number; failures: number }>;
}

export interface Workload {
  /** Calls completed so far (ok or not). */
  calls(): number;
  /** Stops after each client's current call and resolves with the totals. */
  stop(): Promise<WorkloadResult>;
}

/**
 * Every client, in its own loop: echo (checks the text), state_set of a
 * counter in its session, sleep (a call that takes a while), state_get
 * (checks it reads back what it set).
 * After a failed state_set the value is unknown, so the next get is not checked.
 */
export function startWorkload(clients: readonly WorkloadClient[], options: WorkloadOptions): Workload {
  const started = performance.now();
  let stopping = false;
  let calls = 0;
  let ok = 0;
  const failures: CallFailure[] = [];
  const perClient = clients.map((c) => ({ index: c.index, kind: c.kind, calls: 0, failures: 0 }));

  const loop = async (client: WorkloadClient, tally: (typeof perClient)[number]) => {
    let expected: string | undefined;
    const attempt = async (tool: string, args: Record<string, unknown>, check: (text: string) => string | undefined): Promise<boolean> => {
      const t0 = performance.now();
      let problem: { type: string; message: string } | undefined;
      try {
        const result = await client.call(tool, args, options.callTimeoutMs);
        const text = result.content?.[0]?.text ?? '';
        if (result.isError) problem = { type: `tool error result: ${normalize(text)}`, message: text };
        else {
          const mismatch = check(text);
          if (mismatch) problem = { type: 'wrong answer', message: mismatch };
        }
      } catch (error) {
        problem = { type: classify(error), message: error instanceof Error ? error.message : String(error) };
      }
      calls += 1;
      tally.calls += 1;
      if (!problem) {
        ok += 1;
        return true;
      }
      tally.failures += 1;
      failures.push({
        client: client.index,
        kind: client.kind,
        tool,
        at: Math.round(t0 - started),
        elapsedMs: Math.round(performance.now() - t0),
        ...problem,
      });
      return false;
    };
    for (let round = 0; round < options.maxRounds && !stopping; round++) {
      const text = `c${client.index}-r${round}`;
      await attempt('echo', { text }, (got) => (got === text ? undefined : `echo '${text}' answered '${got}'`));
      if (stopping) break;
      const value = `v${round}`;
      expected = (await attempt('state_set', { key: 'counter', value }, () => undefined)) ? value : undefined;
      if (stopping) break;
      // A slower call, so that requests are in flight on every instance at any moment (drain and crash both meet some).
      await attempt('sleep', { ms: options.sleepMs }, (got) => (got === `slept ${options.sleepMs}` ? undefined : `sleep answered '${got}'`));
      if (stopping) break;
      const want = expected;
      await attempt('state_get', { key: 'counter' }, (got) =>
        want === undefined || got === JSON.stringify(want) ? undefined : `state_get after setting '${want}' answered ${got}`,
      );
    }
  };
  const loops = clients.map((c, i) => loop(c, perClient[i]!));
  return {
    calls: () => calls,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return { calls, ok, failures, perClient };
    },
  };
}

/** `{ label: count }`, largest first. */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}
