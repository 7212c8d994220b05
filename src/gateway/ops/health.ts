/**
 * Whether an upstream answers, for `/upstreams` and the `durable_mcp_upstream_up`
 * gauge. Checked when asked (and at most once per `cacheMs`, concurrent askers
 * sharing one check), never on a timer: a gateway nobody asks costs its
 * upstream nothing. The gateway's own readiness does not depend on it: an
 * upstream restarting is exactly what the gateway rides through.
 */
import type { UpstreamPool } from '../upstream/wire/pool.js';

export interface Reachability {
  reachable: boolean;
  /** The HTTP status the upstream answered the check with. */
  httpStatus?: number;
  latencyMs: number;
  /** Why it is not reachable (scrubbed of credentials). */
  error?: string;
  checkedAt: string;
}

export type Probe = () => Promise<Reachability>;

/**
 * An HTTP upstream is reachable when it answers anything below 500 to a GET
 * without a session (the SDKs answer 400 or 405): no upstream session is
 * created by looking.
 */
export function httpProbe(url: URL, headers: Record<string, string>, pool: UpstreamPool, timeoutMs: number, scrub: (text: string) => string): Probe {
  return async () => {
    const started = performance.now();
    const checkedAt = new Date().toISOString();
    try {
      const incoming = await pool.send(url, { method: 'GET', headers: { ...headers, accept: 'text/event-stream' }, signal: AbortSignal.timeout(timeoutMs) });
      // Whatever it sent (an error body, or a stream some servers open anyway) is not read: the connection goes.
      incoming.destroy();
      const status = incoming.statusCode ?? 0;
      const latencyMs = Math.round((performance.now() - started) * 100) / 100;
      return { reachable: status < 500, httpStatus: status, latencyMs, checkedAt, ...(status >= 500 && { error: `HTTP ${status}` }) };
    } catch (error) {
      const latencyMs = Math.round((performance.now() - started) * 100) / 100;
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return { reachable: false, latencyMs, checkedAt, error: scrub(`${error instanceof Error ? error.message : String(error)}${cause}`) };
    }
  };
}

/** One check at a time, reused for `cacheMs`. */
export function cachedProbe(probe: Probe, cacheMs: number, onResult: (result: Reachability) => void): Probe {
  let last: { at: number; result: Promise<Reachability> } | undefined;
  return () => {
    const now = performance.now();
    if (last && now - last.at < cacheMs) return last.result;
    const result = probe().then((r) => {
      onResult(r);
      return r;
    });
    last = { at: now, result };
    return result;
  };
}
