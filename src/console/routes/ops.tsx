/** GET /console/ops: operators only. */
import type { Hono } from 'hono';
import type { ConsoleEnv } from '../env.js';
import type { OpsSource } from '../options.js';
import { readCounters } from '../ops/readings.js';
import { increases, type CounterSampler } from '../ops/sampler.js';
import { chromeOf, page, type ChromeSource } from '../render.js';
import { OpsPage } from '../views/ops.js';

function windowLabel(ms: number): string {
  return ms >= 3_600_000 ? `${Math.round(ms / 3_600_000)} h` : ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

export function mountOpsPage(app: Hono<ConsoleEnv>, source: OpsSource, sampler: CounterSampler, slots: number, chrome: ChromeSource): void {
  app.get('/ops', async (c) => {
    const [now, fleet, upstreams] = await Promise.all([readCounters(source.registry), source.fleet(), source.upstreams?.()]);
    const samples = sampler.samples();
    const charts = {
      created: increases(samples, now, (r) => r.created),
      rebuilt: increases(samples, now, (r) => r.rebuilt),
      rejected: increases(samples, now, (r) => r.rejected),
    };
    const view = {
      instance: source.instance,
      draining: source.isDraining(),
      now,
      charts,
      slots: slots + 1,
      windowLabel: windowLabel(sampler.intervalMs * slots),
      fleet,
      upstreams,
    };
    return page(c, <OpsPage chrome={chromeOf(c, chrome)} view={view} />);
  });
}
