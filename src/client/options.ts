/**
 * Everything a `ResilientClient` can be told, with the defaults in one place.
 * Validated eagerly: a bad option fails at construction, not mid-recovery.
 */
import { VERSION } from '../version.js';
import type {
  Client,
  ClientCapabilities,
  FetchLike,
  Implementation,
  StreamableHTTPReconnectionOptions,
  VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { DEFAULT_BACKOFF, type BackoffOptions, type BudgetOptions } from './backoff.js';
import type { RetrySafetyPolicy } from './safety.js';

export interface ResilientClientOptions {
  /** The server's Streamable HTTP endpoint. */
  url: string | URL;
  /** Sent on every initialize, the first and each re-initialize. */
  clientInfo?: Implementation;
  capabilities?: ClientCapabilities;
  /** Extra HTTP headers on every request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** 'auto' (default) probes for 2026-07-28 and falls back to initialize, as the SDK does it. */
  versionNegotiation?: VersionNegotiationMode;
  /** Per-request timeout, after which the outcome is unknown. Default 60 000 ms (the SDK's). */
  requestTimeoutMs?: number;
  /** Timeout of one connect handshake. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Backoff between attempts. */
  backoff?: Partial<BackoffOptions>;
  /** Re-sends of one request (not-run failures, session recoveries, the single unknown-outcome retry). Default 6 within 30 s. */
  requestRetries?: { maxRetries?: number; windowMs?: number };
  /** Connection attempts while the server is away. Default 30 within 60 s. */
  reconnect?: { maxRetries?: number; windowMs?: number };
  /** Overrides the built-in "safe to repeat" rules when it returns a boolean. */
  retrySafety?: RetrySafetyPolicy;
  /**
   * Act on what the background streams say, not only on failed requests: when
   * a GET stream drops, probe the server (ping); when a GET is answered "no
   * such session", re-initialize at once. Server notifications then resume
   * without waiting for the next request. Default true.
   */
  keepAlive?: boolean;
  /** The SDK transport's stream resumption (Last-Event-ID) policy; SDK defaults when absent. */
  streamReconnection?: StreamableHTTPReconnectionOptions;
  /** Base fetch; defaults to the global fetch. */
  fetch?: FetchLike;
  /** Called with every new SDK Client before it connects, e.g. to install elicitation or sampling handlers. */
  setupClient?: (client: Client) => void;
}

export interface ResolvedOptions {
  url: URL;
  clientInfo: Implementation;
  capabilities: ClientCapabilities;
  headers: Record<string, string>;
  versionNegotiation: VersionNegotiationMode;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  requestBudget: BudgetOptions;
  reconnectBudget: BudgetOptions;
  retrySafety: RetrySafetyPolicy | undefined;
  keepAlive: boolean;
  streamReconnection: StreamableHTTPReconnectionOptions | undefined;
  fetch: FetchLike;
  setupClient: ((client: Client) => void) | undefined;
}

export const DEFAULT_CLIENT_INFO: Implementation = { name: 'durable-mcp-client', version: VERSION };

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative finite number, got ${value}`);
  return value;
}

export function resolveOptions(options: ResilientClientOptions): ResolvedOptions {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`url must be http(s), got ${url.protocol}`);
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...options.backoff };
  for (const [key, value] of Object.entries(backoff)) positive(`backoff.${key}`, value);
  return {
    url,
    clientInfo: options.clientInfo ?? DEFAULT_CLIENT_INFO,
    capabilities: options.capabilities ?? {},
    headers: { ...options.headers },
    versionNegotiation: options.versionNegotiation ?? 'auto',
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs ?? 60_000),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs ?? 10_000),
    requestBudget: {
      maxRetries: positive('requestRetries.maxRetries', options.requestRetries?.maxRetries ?? 6),
      windowMs: positive('requestRetries.windowMs', options.requestRetries?.windowMs ?? 30_000),
      backoff,
    },
    reconnectBudget: {
      maxRetries: positive('reconnect.maxRetries', options.reconnect?.maxRetries ?? 30),
      windowMs: positive('reconnect.windowMs', options.reconnect?.windowMs ?? 60_000),
      backoff,
    },
    retrySafety: options.retrySafety,
    keepAlive: options.keepAlive ?? true,
    streamReconnection: options.streamReconnection,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    setupClient: options.setupClient,
  };
}
