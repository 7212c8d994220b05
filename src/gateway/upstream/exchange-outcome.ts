/**
 * What every exchange with the upstream shares, whichever way it is carried
 * (wire/ for 2025-era sessions, sdk-exchange.ts for 2026-07-28 requests):
 * where it goes, what it returns, and how it fails, with the facts the
 * client's classification (src/client/classify.ts) reads.
 */
import type { JSONRPCResponse, StreamableHTTPReconnectionOptions } from '@modelcontextprotocol/client';
import type { AttemptFacts } from '../../client/classify.js';
import type { UpstreamPool } from './wire/pool.js';

/** Where an exchange goes: the upstream, and the session it belongs to. */
export interface ExchangeTarget {
  url: URL;
  /** Configured headers, lower-case names. */
  headers: Record<string, string>;
  pool: UpstreamPool;
  resumption: StreamableHTTPReconnectionOptions;
  /** The largest message (a JSON answer, one SSE event) read from the upstream. */
  maxMessageBytes: number;
  /** Sent as Mcp-Session-Id (legacy era, after initialize). */
  sessionId?: string;
  /** Sent as MCP-Protocol-Version on legacy requests; a 2026-07-28 request derives it from its `_meta`. */
  protocolVersion?: string;
}

export interface ExchangeResult {
  response: JSONRPCResponse;
  /** The session id the upstream issued (only an initialize gets one). */
  sessionId: string | undefined;
}

/** Why an exchange failed, with what was seen on the way, for classify(). */
export class ExchangeFailure extends Error {
  readonly facts: AttemptFacts;
  /** The request left (the upstream may have it). */
  readonly sent: boolean;
  /** A message on the response stream could not be parsed: the upstream is not speaking MCP. */
  readonly garbled: unknown;
  readonly serverRetryMs: number | undefined;

  constructor(cause: unknown, facts: AttemptFacts, sent: boolean, garbled: unknown, serverRetryMs: number | undefined) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'ExchangeFailure';
    this.facts = facts;
    this.sent = sent;
    this.garbled = garbled;
    this.serverRetryMs = serverRetryMs;
  }
}
