/**
 * `npm run bench`: durable-mcp against the plain SDK and a bare Node server,
 * on loopback, every server in its own child process. See docs/benchmarks.md.
 *
 *   node dist/bench/run.js                 full run (~10 min)
 *   node dist/bench/run.js --quick         smoke run (N=1,16; short cells; smaller counts)
 *   node dist/bench/run.js --sections=rehydration,storm --engines=postgres
 *
 * The report goes to stdout and bench/results/latest.md (raw: latest.json).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseConfig, type Config } from './config.js';
import { log } from './log.js';
import { describeMachine } from './machine.js';
import { rehydrationMisses, renderReport, throughputMisses, type Results } from './report.js';
import { runBoot } from './sections/boot.js';
import { runFootprint } from './sections/footprint.js';
import { runSessionMemory } from './sections/session-memory.js';
import { runGateway } from './sections/gateway.js';
import { runProfiles, runRehydrationProfiles } from './sections/profile.js';
import { runRehydration } from './sections/rehydration.js';
import { runRss } from './sections/rss.js';
import { runScaleout } from './sections/scaleout.js';
import { renderScaleout, writeScaleoutDoc } from './sections/scaleout-report.js';
import { runStorm } from './sections/storm.js';
import { runThroughput } from './sections/throughput.js';
import { DIAGNOSTIC_TARGETS, Resources, TARGETS, type StoreKind, type Target, type TargetId } from './targets.js';
import { repoRoot } from '../harness/paths.js';
import { findHaproxy } from '../test/support/haproxy.js';


/** Which code was measured: the commit, and whether src/ had uncommitted changes (others may be editing it). */
function sourceState(root: string): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    const changed = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return `commit ${git('rev-parse', '--short', 'HEAD')}${changed ? ` + ${changed} uncommitted paths in src/` : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** The HAProxy the scale-out section runs behind (it fails without one). */
function haproxyVersion(): string {
  const bin = findHaproxy();
  if (!bin) throw new Error('haproxy is not installed (Debian package haproxy; `node scripts/ensure-tools.mjs haproxy` as root)');
  return `HAProxy ${/version (\S+)/.exec(execFileSync(bin, ['-v']).toString())?.[1] ?? '?'} (roundrobin, no stickiness)`;
}

/**
 * What to profile. Asked for (--profile, --sections=profile): every selected SDK and durable target
 * plus the JSON-mode variants of (d)/(e). Otherwise (auto): only when a durable legacy target missed
 * its throughput target, the reference (g), the targets that missed, and their JSON-mode variants.
 */
function profileTargets(config: Config, results: Results): Target[] {
  if (config.profile === 'never') return [];
  const explicit = config.profile === 'always' || config.sections.has('profile');
  const missed = new Set(throughputMisses(results.throughput ?? []).map((m) => m.target));
  if (!explicit && missed.size === 0) return [];
  const wanted = new Set<TargetId>(explicit ? ['g', 'b', 'c', 'h', 'd', 'e', 'f'] : ['g', ...missed]);
  const picked: Target[] = TARGETS.filter((t) => wanted.has(t.id) && config.targets.includes(t.id));
  for (const diagnostic of DIAGNOSTIC_TARGETS) {
    const base = diagnostic.id.slice(0, 1) as TargetId;
    if (wanted.has(base) && config.targets.includes(base)) picked.push(diagnostic);
  }
  return picked;
}

/** Rebuilds are profiled (in a small storm) when asked, or for each store that missed the rehydration target. */
function rehydrationProfileEngines(config: Config, results: Results): StoreKind[] {
  if (config.profile === 'never') return [];
  if (config.profile === 'always' || config.sections.has('profile')) return [...config.engines];
  return rehydrationMisses(results.rehydration ?? []);
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2), process.env);
  const started = performance.now();
  const resources = new Resources();
  const results: Results = {
    machine: describeMachine(),
    postgres: undefined,
    source: sourceState(repoRoot()),
    notes: [],
    config: { quick: config.quick, connections: config.connections, durationSec: config.durationSec, warmupSec: config.warmupSec },
  };
  const withPostgres = config.engines.includes('postgres');
  // Ctrl-C: children are killed on exit (harness/process.ts); also drop the temp stores and the embedded cluster.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void resources.close().finally(() => process.exit(130));
    });
  }
  /** Runs one part; a failure becomes a note in the report and the run goes on with the next part. */
  const part = async (name: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.notes.push(`${name} failed: ${message.slice(0, 500)}`);
      log(`${name} FAILED: ${message}`);
    }
  };
  try {
    if (config.sections.has('throughput')) await part('throughput', async () => void (results.throughput = await runThroughput(config, resources, results.notes)));
    for (const engine of config.sections.has('rehydration') ? config.engines : []) {
      await part(`rehydration (${engine})`, async () => void (results.rehydration ??= []).push(await runRehydration(config, resources, engine)));
    }
    for (const engine of config.sections.has('storm') ? config.engines : []) {
      await part(`storm (${engine})`, async () => void (results.storm ??= []).push(await runStorm(config, resources, engine)));
    }
    if (config.sections.has('rss')) await part('rss', async () => void (results.rss = await runRss(config, resources, config.engines)));
    if (config.sections.has('boot')) await part('boot', async () => void (results.boot = await runBoot(config, resources, withPostgres)));
    if (config.sections.has('footprint')) await part('footprint', async () => void (results.footprint = await runFootprint(config, resources)));
    if (config.sections.has('session-memory')) await part('session memory', async () => void (results.sessionMemory = await runSessionMemory(config, resources)));
    if (config.sections.has('scaleout')) await part('scaleout', async () => void (results.scaleout = await runScaleout(config, resources, haproxyVersion())));
    if (config.sections.has('gateway')) await part('gateway', async () => void (results.gateway = await runGateway(config, resources)));
    const toProfile = profileTargets(config, results);
    if (toProfile.length > 0) {
      const n = config.connections.includes(16) ? 16 : config.connections[0]!;
      await part('profiles', async () => void (results.profiles = await runProfiles(config, resources, toProfile, n)));
    }
    const rebuilds = rehydrationProfileEngines(config, results);
    if (rebuilds.length > 0) {
      await part('rebuild profiles', async () => void (results.rehydrationProfiles = await runRehydrationProfiles(resources, rebuilds, config.profileStormSessions)));
    }
    if ((withPostgres || config.sections.has('gateway')) && (config.targets.includes('e') || config.sections.size > 1 || config.sections.has('gateway'))) {
      await part('postgres version', async () => void (results.postgres = (await resources.postgres()).description));
    }
  } finally {
    await resources.close();
  }

  const report = renderReport(results);
  const out = isAbsolute(config.out) ? config.out : resolve(repoRoot(), config.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  writeFileSync(out.replace(/\.md$/, '') + '.json', JSON.stringify(results, null, 2) + '\n');
  if (results.scaleout && config.scaleout.writeDoc) {
    log(`scale-out table written to ${writeScaleoutDoc(renderScaleout(results.machine, results.scaleout))}`);
  }
  process.stdout.write(report);
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; written to ${out}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
