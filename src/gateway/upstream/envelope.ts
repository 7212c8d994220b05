/**
 * The 2026-07-28 side: no initialize, so every request carries the client's
 * identity in `_meta` (protocol version, client info, capabilities, and the
 * log level it asked for). Built from the front session's stored initialize
 * params, so a legacy client behind the gateway is known to a 2026-07-28
 * upstream exactly as it introduced itself. Keys as defined by
 * @modelcontextprotocol/core 2.4.0.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LATEST_PROTOCOL_VERSION,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
  type InitializeRequestParams,
  type JSONRPCRequest,
  type LoggingLevel,
} from '@modelcontextprotocol/client';

/** The 2026-07-28 revision; the SDK does not export its own constant for it. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** Revision identifiers are dates, so the modern era is every version from 2026-07-28 on. */
export function isModernVersion(version: string): boolean {
  return version >= MODERN_PROTOCOL_VERSION;
}

/** The `_meta` envelope for a request from this client. */
export function envelopeFor(client: InitializeRequestParams, logLevel: LoggingLevel | undefined): Record<string, unknown> {
  return {
    [PROTOCOL_VERSION_META_KEY]: MODERN_PROTOCOL_VERSION,
    [CLIENT_INFO_META_KEY]: client.clientInfo,
    [CLIENT_CAPABILITIES_META_KEY]: client.capabilities,
    ...(logLevel !== undefined && { [LOG_LEVEL_META_KEY]: logLevel }),
  };
}

/**
 * The request as a 2026-07-28 upstream needs it. The version is always ours
 * (the one the upstream accepted); identity and log level a modern client
 * already sent are kept, and filled in from the stored params otherwise.
 * Everything else in `_meta` (progress token, trace context) passes as it is.
 */
export function withEnvelope(request: JSONRPCRequest, client: InitializeRequestParams, logLevel: LoggingLevel | undefined): JSONRPCRequest {
  const given = request.params?._meta;
  const meta: Record<string, unknown> = { ...envelopeFor(client, logLevel), ...given, [PROTOCOL_VERSION_META_KEY]: MODERN_PROTOCOL_VERSION };
  return { ...request, params: { ...request.params, _meta: meta } };
}

/** The version to answer a legacy client's initialize with when the upstream speaks only 2026-07-28. */
export function legacyVersionFor(requested: string): string {
  return !isModernVersion(requested) && SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
}
