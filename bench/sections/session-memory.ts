/**
 * Section 7: memory per live session (the live-cache bound multiplies it).
 * Each server runs with the heap probe preloaded (probes/heap.ts): one warm-up
 * session, a forced GC and a reading (baseline), then N more live sessions
 * that each did the handshake and one tool call, a forced GC and a reading.
 * Per session = (after - baseline) / N, for the JS heap and for memory outside
 * it (external: buffers, WASM). A second run of each server, with heap
 * snapshots taken at both readings, says which kinds of objects the growth is
 * made of (apart, because writing a snapshot leaves the process's RSS larger).
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { heapGrowth, type Growth } from '../heap-snapshot.js';
import { HttpClient, pool } from '../http.js';
import { sleep } from '../../harness/timeout.js';
import { log } from '../log.js';
import { callLegacyEcho, expectEcho, legacyHeaders, openSession } from '../mcp.js';
import type { ServerProcess } from '../process.js';
import { startDurable, TARGETS, type Resources } from '../targets.js';

const HEAP_PROBE = fileURLToPath(new URL('../probes/heap.js', import.meta.url));
const NODE_ARGS = ['--expose-gc', '--import', HEAP_PROBE];
/** Issue #15's target. */
export const SESSION_TARGET_KIB = 50;

interface HeapReading {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  snapshot?: string;
}

export interface SessionMemory {
  label: string;
  sessions: number;
  heapKiB: number;
  externalKiB: number;
  rssKiB: number;
  /** What the heap growth is made of, per session. */
  growth: Growth[];
}

interface Subject {
  label: string;
  start(resources: Resources): Promise<{ proc: ServerProcess; stop(): Promise<void> }>;
  /** One tool call on a new session, checked. */
  call(client: HttpClient, url: string, session: string): Promise<void>;
}

const echoCall: Subject['call'] = async (client, url, session) => expectEcho(await callLegacyEcho(client, url, session), 'echo');

const wakeUpCall: Subject['call'] = async (client, url, session) => {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'wake_up', arguments: { project: 'bench' } } });
  const res = await client.post(url, body, legacyHeaders(session));
  if (res.status !== 200 || !res.body.includes('"result"')) throw new Error(`wake_up: HTTP ${res.status}: ${res.body.slice(0, 200)}`);
};

function sdkSubject(id: 'g' | 'b'): Subject {
  const target = TARGETS.find((t) => t.id === id)!;
  return { label: target.label, start: (r) => target.start(r, NODE_ARGS).then((t) => ({ proc: t.proc, stop: t.stop })), call: echoCall };
}

function durableSubject(label: string, app: 'echo' | 'default'): Subject {
  return {
    label,
    async start(resources) {
      const store = await resources.newStore('embedded-postgres');
      const proc = await startDurable({ store: store.url, nodeArgs: NODE_ARGS, ...(app === 'default' && { app: 'default' }), name: `session-memory-${app}` });
      return {
        proc,
        stop: async () => {
          await proc.stop();
          await store.cleanup();
        },
      };
    },
    call: app === 'echo' ? echoCall : wakeUpCall,
  };
}

const SUBJECTS: readonly Subject[] = [
  sdkSubject('g'),
  sdkSubject('b'),
  durableSubject('durable-mcp legacy, echo app (embedded PostgreSQL)', 'echo'),
  durableSubject('durable-mcp legacy, memory app: what `npm start` serves', 'default'),
];

/** Signals the probe and waits for its next line. */
async function read(proc: ServerProcess): Promise<HeapReading> {
  const lines = () => proc.stderr().split('\n').filter((l) => l.startsWith('HEAP_PROBE '));
  const seen = lines().length;
  process.kill(proc.pid, 'SIGUSR2');
  const deadline = performance.now() + 60_000;
  for (;;) {
    const all = lines();
    // Two readings per process, and the servers log to stdout: both stay within the last 20,000 characters of stderr the spawner keeps.
    if (all.length > seen) {
      const reading = JSON.parse(all.at(-1)!.slice('HEAP_PROBE '.length)) as HeapReading & { error?: string };
      if (reading.error) throw new Error(`heap probe: ${reading.error}`);
      return reading;
    }
    if (performance.now() > deadline) throw new Error(`${proc.name}: no heap probe reading within 60 s`);
    await sleep(20);
  }
}

interface Measured {
  before: HeapReading;
  after: HeapReading;
}

async function measure(subject: Subject, resources: Resources, sessions: number, snapshots: string | undefined): Promise<Measured> {
  // Spawned servers inherit the environment; the targets' start() takes no extra variables.
  if (snapshots) process.env.HEAP_PROBE_SNAPSHOTS = snapshots;
  const running = await subject.start(resources).finally(() => delete process.env.HEAP_PROBE_SNAPSHOTS);
  const client = new HttpClient(8);
  try {
    const { url } = running.proc;
    // Warm-up: the first session compiles and loads what every later one reuses.
    await subject.call(client, url, await openSession(client, url));
    await sleep(300);
    const before = await read(running.proc);
    await pool(sessions, 8, async () => subject.call(client, url, await openSession(client, url)));
    await sleep(300);
    const after = await read(running.proc);
    return { before, after };
  } finally {
    client.close();
    await running.stop();
  }
}

export async function runSessionMemory(config: Config, resources: Resources): Promise<SessionMemory[]> {
  const sessions = config.quick ? 200 : 500;
  const snapshotSessions = config.quick ? 100 : 200;
  const results: SessionMemory[] = [];
  for (const subject of SUBJECTS) {
    const { before, after } = await measure(subject, resources, sessions, undefined);
    const per = (a: number, b: number) => (b - a) / sessions / 1024;
    const dir = resources.tempDir('heap');
    let growth: Growth[] = [];
    try {
      const snap = await measure(subject, resources, snapshotSessions, dir);
      if (snap.before.snapshot && snap.after.snapshot) {
        growth = heapGrowth(snap.before.snapshot, snap.after.snapshot).map((g) => ({ kind: g.kind, bytes: g.bytes / snapshotSessions }));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const result: SessionMemory = {
      label: subject.label,
      sessions,
      heapKiB: per(before.heapUsed, after.heapUsed),
      externalKiB: per(before.external, after.external),
      rssKiB: per(before.rss, after.rss),
      growth,
    };
    log(`session memory: ${subject.label}: ${result.heapKiB.toFixed(1)} KiB heap, ${result.externalKiB.toFixed(1)} KiB external, ${result.rssKiB.toFixed(0)} KiB RSS per session`);
    results.push(result);
  }
  return results;
}
