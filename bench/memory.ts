/**
 * Memory app benchmark (not a test): loads MEMORY_BENCH_CONTEXTS contexts
 * (default 100,000) into one project, then times wake_up, recall_context and
 * search_contexts called through a real SDK Client over InMemoryTransport, on
 * PGlite (temp dir) and PostgreSQL (DATABASE_URL, else an embedded cluster).
 *
 *   npx tsc -p . && node dist/bench/memory.js
 *   MEMORY_BENCH_CONTEXTS=10000 MEMORY_BENCH_ENGINES=postgres node dist/bench/memory.js
 *   MEMORY_BENCH_KEEP=1 DATABASE_URL=postgres://... node dist/bench/memory.js   (keeps the database to inspect)
 *
 * The corpus is synthetic and seeded: ~100 words per context drawn from a
 * Zipf distribution over 5,000 invented words, so some words occur in nearly
 * every context (the worst case for ranking) and most are rare.
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { memoryApp } from '../src/apps/memory/index.js';
import { removeTempDir, tempDir } from '../harness/temp.js';
import { startPostgres } from './postgres.js';
import type { AppContext } from '../src/runtime/app.js';
import { principalScope, scopedState } from '../src/runtime/state.js';
import { openStore, type Store } from '../src/store/index.js';

const CONTEXTS = Number(process.env.MEMORY_BENCH_CONTEXTS ?? 100_000);
const ITERATIONS = Number(process.env.MEMORY_BENCH_ITERATIONS ?? 300);
const ENGINES = (process.env.MEMORY_BENCH_ENGINES ?? 'pglite,postgres').split(',') as Array<'pglite' | 'postgres'>;
const BATCH = 1_000;
const VOCABULARY = 5_000;
const PRINCIPAL = 'bench';

// ---- corpus ---------------------------------------------------------------

/** mulberry32: small, seeded, good enough for test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(42);
const SYLLABLES = ['ka', 'lo', 'mi', 'ten', 'ver', 'dus', 'pra', 'zel', 'qui', 'nor', 'bex', 'tal', 'sor', 'vin', 'gru', 'fe'];
const words = Array.from({ length: VOCABULARY }, (_, i) => {
  let w = '';
  for (let n = i + 300; n > 0; n = Math.floor(n / SYLLABLES.length)) w += SYLLABLES[n % SYLLABLES.length];
  return w;
});
// Cumulative Zipf (s = 1) weights, sampled by binary search.
const cumulative: number[] = [];
words.reduce((sum, _w, i) => (cumulative[i] = sum + 1 / (i + 1)), 0);
const total = cumulative[cumulative.length - 1] ?? 1;
function word(): string {
  const x = random() * total;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] ?? 0) < x) lo = mid + 1;
    else hi = mid;
  }
  return words[lo] ?? 'x';
}
const sentence = (n: number): string => Array.from({ length: n }, word).join(' ');
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const topicOf = (i: number): string => `topic ${i} ${words[(i * 7) % VOCABULARY]}`;

// ---- engines --------------------------------------------------------------

interface Target {
  url: string;
  cleanup(): Promise<void>;
}


async function postgresTarget(): Promise<Target> {
  // DATABASE_URL when given, else an embedded cluster (bench/postgres.ts); a fresh database either way.
  const cluster = await startPostgres();
  const db = await cluster.createDatabase();
  const keep = Boolean(process.env.MEMORY_BENCH_KEEP && process.env.DATABASE_URL);
  if (keep) console.log(`postgres: keeping database ${new URL(db.url).pathname.slice(1)}`);
  return { url: db.url, cleanup: async () => void (keep || (await cluster.stop())) };
}

function pgliteTarget(): Target {
  const dir = tempDir('memory-bench-pglite');
  return { url: `pglite:${dir}`, cleanup: async () => removeTempDir(dir) };
}

// ---- load -----------------------------------------------------------------

/** Bulk insert straight into the app's tables (as an import would), keeping the invariants lock_context keeps. */
async function load(store: Store, projectId: string): Promise<void> {
  for (let start = 0; start < CONTEXTS; start += BATCH) {
    const n = Math.min(BATCH, CONTEXTS - start);
    const topics: string[] = [];
    const contents: string[] = [];
    const priorities: string[] = [];
    const tags: string[] = [];
    for (let i = start; i < start + n; i++) {
      topics.push(topicOf(i));
      contents.push(`${sentence(12)}.\n\n${sentence(45)}.\n\n${sentence(45)}.`);
      // 20 always_check contexts in the whole project, 10% important, the rest reference.
      priorities.push(i % Math.max(1, Math.floor(CONTEXTS / 20)) === 0 ? 'always_check' : i % 10 === 1 ? 'important' : 'reference');
      tags.push([pick(['backend', 'frontend', 'ops', 'product']), pick(['decision', 'spec', 'note'])].join(','));
    }
    await store.db.query(
      `WITH input AS (
         SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS u(topic, content, priority, tags_csv)
       ), topics AS (
         INSERT INTO memory_topics (principal, project_id, topic, latest_version, current_version, priority, tags)
         SELECT $1, $2, topic, 1, 1, priority, string_to_array(tags_csv, ',') FROM input
         RETURNING id, topic
       )
       INSERT INTO memory_contexts (topic_id, version, principal, project_id, topic, content, tags, priority, is_current, search)
       SELECT t.id, 1, $1, $2, i.topic, i.content, string_to_array(i.tags_csv, ','), i.priority, true,
              setweight(to_tsvector('english', i.topic), 'A')
              || setweight(to_tsvector('english', replace(i.tags_csv, ',', ' ')), 'B')
              || setweight(to_tsvector('english', i.content), 'C')
         FROM topics t JOIN input i ON i.topic = t.topic`,
      [PRINCIPAL, projectId, topics, contents, priorities, tags],
    );
    if ((start / BATCH) % 10 === 9) process.stdout.write(`  loaded ${start + n}\n`);
  }
  await store.db.query(
    `UPDATE memory_projects SET topics_active = topics_active + $3, versions_total = versions_total + $3
      WHERE id = $1 AND principal = $2`,
    [projectId, PRINCIPAL, CONTEXTS],
  );
  // Production tables have statistics; a freshly bulk-loaded one has none until autovacuum runs.
  await store.db.query('VACUUM ANALYZE memory_topics');
  await store.db.query('VACUUM ANALYZE memory_contexts');
  // Flush the load's dirty pages now, so the checkpointer does not compete with the first timings.
  await store.db.query('CHECKPOINT').catch(() => console.log('  (CHECKPOINT not permitted; timings may include load flushing)'));
}

// ---- measure --------------------------------------------------------------

async function connect(store: Store): Promise<Client> {
  const ctx: AppContext = {
    era: 'legacy',
    principal: PRINCIPAL,
    client: { name: 'bench' },
    userState: scopedState(store.state, principalScope(PRINCIPAL)),
    db: { engine: store.engine, query: (s, p) => store.db.query(s, p), transaction: (fn) => store.db.transaction(fn) },
    deploymentId: 'bench',
    logger: { debug() {}, info() {}, warn() {}, error: (f, m) => console.error(m, f) },
    changes: { toolsChanged() {}, promptsChanged() {}, resourcesChanged() {}, resourceUpdated() {} },
  };
  const server = new McpServer({ name: memoryApp.name, version: memoryApp.version });
  await memoryApp.register(server, ctx);
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

interface Row {
  engine: string;
  tool: string;
  p50: number;
  p95: number;
  p99: number;
  results: string;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

interface Case {
  label: string;
  tool: string;
  args: () => Record<string, unknown>;
  samples: number[];
  hits: number;
}

const WARMUP = 20;

/**
 * Runs the cases round-robin, one call each per round, so that noise from
 * anything else on the machine spreads evenly over all of them instead of
 * landing on whichever block ran at the wrong moment.
 */
async function timeRounds(client: Client, engine: string, cases: Case[]): Promise<Row[]> {
  for (let round = 0; round < ITERATIONS + WARMUP; round++) {
    for (const c of cases) {
      const started = performance.now();
      const result = await client.callTool({ name: c.tool, arguments: c.args() });
      const elapsed = performance.now() - started;
      if (result.isError) throw new Error(`${c.tool} failed: ${JSON.stringify(result.content)}`);
      const first = result.content[0];
      const payload = first?.type === 'text' ? (JSON.parse(first.text) as { results?: unknown[] }) : {};
      c.hits += payload.results?.length ?? 1;
      if (round >= WARMUP) c.samples.push(elapsed); // the first rounds warm caches and the JIT
    }
  }
  const round = (v: number): number => Math.round(v * 100) / 100;
  return cases.map((c) => {
    const sorted = [...c.samples].sort((a, b) => a - b);
    return {
      engine,
      tool: c.label,
      p50: round(quantile(sorted, 0.5)),
      p95: round(quantile(sorted, 0.95)),
      p99: round(quantile(sorted, 0.99)),
      results: (c.hits / (ITERATIONS + WARMUP)).toFixed(1),
    };
  });
}

const bench = (label: string, tool: string, args: () => Record<string, unknown>): Case => ({ label, tool, args, samples: [], hits: 0 });

async function benchEngine(engine: 'pglite' | 'postgres'): Promise<Row[]> {
  const target = engine === 'pglite' ? pgliteTarget() : await postgresTarget();
  const store = await openStore({ url: target.url });
  try {
    await store.migrate(memoryApp.name, memoryApp.migrations ?? []);
    const client = await connect(store);
    await client.callTool({ name: 'wake_up', arguments: { project: 'bench' } });
    const { rows } = await store.db.query<{ id: string }>(`SELECT id::text AS id FROM memory_projects WHERE principal = $1`, [PRINCIPAL]);
    const started = performance.now();
    console.log(`${engine}: loading ${CONTEXTS} contexts`);
    await load(store, rows[0]?.id ?? '');
    console.log(`${engine}: loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const topic = (): Record<string, unknown> => ({ topic: topicOf(Math.floor(random() * CONTEXTS)) });
    // Mid-frequency and rare words (ranks 100-3000: in ~0.3-10% of contexts), one or two per query.
    const typical = (): Record<string, unknown> => ({
      query: random() < 0.5 ? (words[100 + Math.floor(random() * 2900)] as string) : `${words[100 + Math.floor(random() * 400)]} ${words[100 + Math.floor(random() * 2900)]}`,
    });
    // The ten most frequent words: each occurs in most contexts, the worst case for ranking.
    const common = (): Record<string, unknown> => ({ query: words[Math.floor(random() * 10)] as string });
    return await timeRounds(client, engine, [
      bench('wake_up', 'wake_up', () => ({})),
      bench('recall_context', 'recall_context', topic),
      bench('search_contexts (typical terms)', 'search_contexts', typical),
      bench('search_contexts (very common term)', 'search_contexts', common),
      bench('lock_context (new version)', 'lock_context', () => ({ ...topic(), content: sentence(60) })),
    ]);
  } finally {
    await store.close();
    await target.cleanup();
  }
}

const print = (rows: Row[]): void =>
  console.table(rows.map((r) => ({ engine: r.engine, tool: r.tool, p50: r.p50, p95: r.p95, p99: r.p99, 'avg results': r.results })));
const table: Row[] = [];
for (const engine of ENGINES) {
  const rows = await benchEngine(engine);
  print(rows);
  table.push(...rows);
}
console.log(`\nmemory app, ${CONTEXTS} contexts in one project, ${ITERATIONS} calls per row (ms, through a real MCP client)`);
print(table);
