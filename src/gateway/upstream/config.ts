/**
 * How the gateway talks to one upstream: every timeout and retry bound is
 * configuration with a stated default, per upstream, never a constant buried
 * in the code. Validated eagerly: a bad value fails when the gateway starts,
 * not in the middle of a recovery. Header values arrive already expanded
 * (`${VAR}` is the config layer's job) and are never logged from here.
 */
import { STDIO_DEFAULT_MAX_BUFFER_SIZE, type StreamableHTTPReconnectionOptions } from '@modelcontextprotocol/client';
import { DEFAULT_BACKOFF, type BackoffOptions, type BudgetOptions } from '../../client/backoff.js';
import { UpstreamPool } from './wire/pool.js';

/** `auto`: speak the front session's own era first, and the other if the upstream refuses it. */
export type EraPreference = 'auto' | 'legacy' | 'modern';

export interface UpstreamConfig {
  /** The upstream's Streamable HTTP endpoint. */
  url: string | URL;
  /** Sent on every request to the upstream (credentials). Never forwarded to clients or logs. */
  headers?: Record<string, string>;
  /** Default `auto`. */
  era?: EraPreference;
  /** Bounds one `request()` from call to answer, recovery and retries included. Default 60 000 ms. */
  requestTimeoutMs?: number;
  /** Bounds one handshake attempt (initialize + initialized, or server/discover). Default 10 000 ms. */
  handshakeTimeoutMs?: number;
  /** Delays between attempts (exponential with jitter). */
  backoff?: Partial<BackoffOptions>;
  /** Re-sends of one request (refusals, session recoveries, the one retry of a safe request). Default 6 within 30 s. */
  requestRetries?: { maxRetries?: number; windowMs?: number };
  /** Handshake attempts while the upstream is unreachable (restarting). Default 30 within 60 s. */
  reconnect?: { maxRetries?: number; windowMs?: number };
  /** Resumption of a cut response stream with Last-Event-ID, where the upstream offers it. SDK defaults: 2 tries, 1 s x1.5. */
  resumption?: Partial<StreamableHTTPReconnectionOptions>;
  /** Hold the upstream's standalone GET stream (notifications not tied to a request). Default true. */
  standaloneStream?: boolean;
  /**
   * At most how long a request waits for a new upstream session's standalone stream, when its client can be asked
   * something (sampling, elicitation, roots): an upstream drops what it sends before the stream exists (a sampling
   * request from the first call). The wait ends as soon as the stream answers, or the upstream has answered a
   * probe sent after the stream's request (see standalone-stream.ts). Default 2 000 ms.
   */
  streamOpenTimeoutMs?: number;
  /** The connections to use (shared by a route's sessions, closed with it); a pool of its own by default. */
  pool?: UpstreamPool;
  /**
   * The largest message the upstream may send (a JSON answer, or one SSE event): beyond it the answer is cut and the
   * request fails as a protocol error that may have run, so a broken upstream cannot exhaust the gateway's memory.
   * Default 10 MiB, as the SDK's stdio framing.
   */
  maxMessageBytes?: number;
}

export interface ResolvedUpstreamConfig {
  url: URL;
  headers: Record<string, string>;
  era: EraPreference;
  requestTimeoutMs: number;
  handshakeTimeoutMs: number;
  requestBudget: BudgetOptions;
  reconnectBudget: BudgetOptions;
  resumption: StreamableHTTPReconnectionOptions;
  standaloneStream: boolean;
  streamOpenTimeoutMs: number;
  pool: UpstreamPool;
  maxMessageBytes: number;
}

export const UPSTREAM_DEFAULTS = {
  era: 'auto',
  requestTimeoutMs: 60_000,
  handshakeTimeoutMs: 10_000,
  requestRetries: { maxRetries: 6, windowMs: 30_000 },
  reconnect: { maxRetries: 30, windowMs: 60_000 },
  // The SDK transport's own defaults, restated so they are visible and documented here.
  resumption: { maxRetries: 2, initialReconnectionDelay: 1_000, maxReconnectionDelay: 30_000, reconnectionDelayGrowFactor: 1.5 },
  standaloneStream: true,
  streamOpenTimeoutMs: 2_000,
  maxMessageBytes: STDIO_DEFAULT_MAX_BUFFER_SIZE,
} as const;

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`upstream ${name} must be a non-negative finite number, got ${value}`);
  return value;
}

function atLeast(name: string, value: number, least: number): number {
  if (!Number.isInteger(value) || value < least) throw new RangeError(`upstream ${name} must be an integer of at least ${least}, got ${value}`);
  return value;
}

function budget(name: string, given: { maxRetries?: number; windowMs?: number } | undefined, fallback: { maxRetries: number; windowMs: number }, backoff: BackoffOptions): BudgetOptions {
  return {
    maxRetries: nonNegative(`${name}.maxRetries`, given?.maxRetries ?? fallback.maxRetries),
    windowMs: nonNegative(`${name}.windowMs`, given?.windowMs ?? fallback.windowMs),
    backoff,
  };
}

export function resolveUpstreamConfig(config: UpstreamConfig): ResolvedUpstreamConfig {
  const url = new URL(config.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`upstream url must be http(s), got ${url.protocol}`);
  const era = config.era ?? UPSTREAM_DEFAULTS.era;
  if (era !== 'auto' && era !== 'legacy' && era !== 'modern') throw new TypeError(`upstream era must be auto, legacy or modern, got ${String(era)}`);
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...config.backoff };
  for (const [key, value] of Object.entries(backoff)) nonNegative(`backoff.${key}`, value);
  const resumption: StreamableHTTPReconnectionOptions = { ...UPSTREAM_DEFAULTS.resumption, ...config.resumption };
  for (const [key, value] of Object.entries(resumption)) nonNegative(`resumption.${key}`, value);
  return {
    url,
    // Lower case, as node:http sends them and as the per-request headers that may replace them are named.
    headers: Object.fromEntries(Object.entries(config.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
    era,
    requestTimeoutMs: nonNegative('requestTimeoutMs', config.requestTimeoutMs ?? UPSTREAM_DEFAULTS.requestTimeoutMs),
    handshakeTimeoutMs: nonNegative('handshakeTimeoutMs', config.handshakeTimeoutMs ?? UPSTREAM_DEFAULTS.handshakeTimeoutMs),
    requestBudget: budget('requestRetries', config.requestRetries, UPSTREAM_DEFAULTS.requestRetries, backoff),
    reconnectBudget: budget('reconnect', config.reconnect, UPSTREAM_DEFAULTS.reconnect, backoff),
    resumption,
    standaloneStream: config.standaloneStream ?? UPSTREAM_DEFAULTS.standaloneStream,
    streamOpenTimeoutMs: nonNegative('streamOpenTimeoutMs', config.streamOpenTimeoutMs ?? UPSTREAM_DEFAULTS.streamOpenTimeoutMs),
    pool: config.pool ?? new UpstreamPool(),
    maxMessageBytes: atLeast('maxMessageBytes', config.maxMessageBytes ?? UPSTREAM_DEFAULTS.maxMessageBytes, 1024),
  };
}
