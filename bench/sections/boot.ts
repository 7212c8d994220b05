/**
 * Section 5: cold boot of `durable-mcp serve`, from spawn() to the
 * `server_started` log line, on each kind of store (the bench echo app; the
 * footprint section boots the default app). The line's own `bootMs`
 * (store open + migrations + listen, measured inside the process) is reported
 * too; the difference is Node start-up and module loading. A bare node:http
 * server is the floor for the start-up part.
 */
import { rmSync } from 'node:fs';
import type { Config } from '../config.js';
import { log } from '../log.js';
import { serverScript, spawnServer, type ServerProcess } from '../process.js';
import { median } from '../stats.js';
import { startDurable, type Resources } from '../targets.js';

export type BootScenario =
  | 'bare node:http (floor)'
  | 'embedded PostgreSQL, new directory'
  | 'embedded PostgreSQL, existing directory'
  | 'PGlite, new directory'
  | 'PGlite, existing directory'
  | 'PostgreSQL, new database'
  | 'PostgreSQL, existing database';

export interface BootResult {
  scenario: BootScenario;
  repeats: number;
  /** Median spawn-to-line, ms. */
  readyMs: number;
  /** Median of the line's bootMs, ms (undefined for the floor). */
  insideMs: number | undefined;
  maxReadyMs: number;
}

async function measure(scenario: BootScenario, repeats: number, start: (i: number) => Promise<ServerProcess>): Promise<BootResult> {
  const ready: number[] = [];
  const inside: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const proc = await start(i);
    ready.push(proc.readyMs);
    const bootMs = proc.started?.bootMs;
    if (typeof bootMs === 'number') inside.push(bootMs);
    // Graceful, so an existing PGlite directory is left clean for the next boot.
    await proc.stop();
  }
  const result: BootResult = {
    scenario,
    repeats,
    readyMs: median(ready),
    insideMs: inside.length && scenario !== 'bare node:http (floor)' ? median(inside) : undefined,
    maxReadyMs: Math.max(...ready),
  };
  log(`boot: ${scenario}: ${result.readyMs.toFixed(0)} ms (inside ${result.insideMs?.toFixed(0) ?? '-'} ms)`);
  return result;
}

export async function runBoot(config: Config, resources: Resources, withPostgres: boolean): Promise<BootResult[]> {
  const repeats = config.bootRepeats;
  const results: BootResult[] = [];
  results.push(
    await measure('bare node:http (floor)', repeats, () =>
      spawnServer({ name: 'bare', args: [serverScript('bare')], ready: 'log', env: { PORT: '0' } }),
    ),
  );

  const embeddedExisting = `embedded-postgres:${resources.tempDir('boot-embedded-existing')}`;
  results.push(
    await measure('embedded PostgreSQL, new directory', repeats, async () =>
      startDurable({ store: `embedded-postgres:${resources.tempDir('boot-embedded-new')}`, logLevel: 'info' }),
    ),
  );
  await (await startDurable({ store: embeddedExisting, logLevel: 'info' })).stop();
  results.push(await measure('embedded PostgreSQL, existing directory', repeats, () => startDurable({ store: embeddedExisting, logLevel: 'info' })));

  const existingDir = resources.tempDir('boot-existing');
  // Each new-directory boot gets its own empty directory.
  results.push(
    await measure('PGlite, new directory', repeats, async () => {
      const dir = resources.tempDir('boot-new');
      rmSync(dir, { recursive: true, force: true });
      return startDurable({ store: `pglite:${dir}`, logLevel: 'info' });
    }),
  );
  // The first boot creates it; the measured boots open it as it was left.
  await (await startDurable({ store: `pglite:${existingDir}`, logLevel: 'info' })).stop();
  results.push(await measure('PGlite, existing directory', repeats, () => startDurable({ store: `pglite:${existingDir}`, logLevel: 'info' })));

  if (withPostgres) {
    const cluster = await resources.postgres();
    results.push(
      await measure('PostgreSQL, new database', repeats, async () => startDurable({ store: (await cluster.createDatabase()).url, logLevel: 'info' })),
    );
    const existing = await cluster.createDatabase();
    await (await startDurable({ store: existing.url, logLevel: 'info' })).stop();
    results.push(await measure('PostgreSQL, existing database', repeats, () => startDurable({ store: existing.url, logLevel: 'info' })));
  }
  return results;
}
