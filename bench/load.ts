/**
 * Closed-loop load with autocannon: `connections` clients, each one keep-alive
 * connection sending its next request as soon as the previous answer is in.
 * Where the target has sessions, connection i carries session i's
 * Mcp-Session-Id (set in setupClient), so N clients are N sessions.
 *
 * Latencies are collected here from every response (autocannon's own
 * histogram has 1 ms resolution, too coarse for sub-millisecond targets).
 */
import autocannon from 'autocannon';
import { summarize } from './stats.js';

export interface LoadOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  durationSec: number;
  /** Extra headers for connection i (its session), one entry per connection. */
  perConnection?: ReadonlyArray<Record<string, string>>;
  /** Checks every response body; failures count as mismatches. */
  verify?: (body: string) => boolean;
  /** A fixed total rate (req/s, open loop) instead of as fast as answers come; for CPU-per-request comparisons. */
  rate?: number;
}

export interface LoadResult {
  connections: number;
  durationSec: number;
  /** 2xx responses per second over the measured duration. */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let assigned = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        body: options.body,
        headers: options.headers,
        connections: options.connections,
        duration: options.durationSec,
        pipelining: 1,
        timeout: 30,
        ...(options.rate && { overallRate: options.rate }),
        ...(options.verify && { verifyBody: (body: string | Buffer | undefined) => options.verify!(String(body ?? '')) }),
        setupClient: (client) => {
          const extra = options.perConnection?.[assigned++ % options.perConnection.length];
          if (extra) client.setHeaders({ ...options.headers, ...extra });
        },
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const summary = summarize(latencies);
        resolve({
          connections: options.connections,
          durationSec: result.duration,
          rps: ok / result.duration,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          mismatches: result.mismatches,
          p50Ms: summary.p50,
          p99Ms: summary.p99,
          meanMs: summary.mean,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) {
        ok += 1;
        latencies.push(ms);
      }
    });
  });
}
