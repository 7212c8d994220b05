/**
 * Establishes an upstream session in the front client's own name. Legacy:
 * the client's stored initialize params are sent as they are, then
 * `notifications/initialized`. 2026-07-28: `server/discover` with the
 * client's identity in `_meta`. With `auto`, the client's own era is tried
 * first (a 2025 client behind the gateway gets a 2025 session wherever the
 * upstream has one, so server-to-client requests keep working), and the other
 * era when the upstream says it does not speak that one. The era found is
 * recorded in the snapshot and kept for every later re-initialize.
 */
import {
  isJSONRPCErrorResponse,
  SERVER_INFO_META_KEY,
  type Implementation,
  type InitializeRequestParams,
  type InitializeResult,
  type JSONRPCResponse,
  type ServerCapabilities,
} from '@modelcontextprotocol/client';
import { httpStatus } from '../../client/classify.js';
import type { EraPreference } from './config.js';
import { envelopeFor, isModernVersion, legacyVersionFor, MODERN_PROTOCOL_VERSION } from './envelope.js';
import { UpstreamProtocolError, UpstreamRejectedError, UpstreamUnsupportedError } from './errors.js';
import { exchange, ExchangeFailure, post, type ExchangeTarget } from './exchange.js';
import type { UpstreamEra } from './types.js';

export interface Established {
  era: UpstreamEra;
  sessionId: string | undefined;
  protocolVersion: string;
  /** What the front answers its client's initialize with: the upstream's own result (legacy) or one built from discover. */
  result: InitializeResult;
}

/** An established upstream session in use, numbered: every re-initialization makes the next generation. */
export interface Link extends Established {
  generation: number;
}

export interface HandshakeInput {
  /** The upstream, without a session. */
  target: ExchangeTarget;
  client: InitializeRequestParams;
  era: EraPreference;
  signal: AbortSignal;
  /** A fresh id for a request of the gateway's own. */
  nextId: () => string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resultOf(response: JSONRPCResponse, method: string): Record<string, unknown> {
  if (isJSONRPCErrorResponse(response)) throw new UpstreamRejectedError({ method }, response);
  return response.result;
}

async function legacy(input: HandshakeInput): Promise<Established> {
  const request = { jsonrpc: '2.0' as const, id: input.nextId(), method: 'initialize', params: input.client };
  const { response, sessionId } = await exchange(input.target, request, { signal: input.signal });
  const result = resultOf(response, 'initialize');
  if (typeof result.protocolVersion !== 'string' || !isObject(result.capabilities) || !isObject(result.serverInfo)) {
    throw new UpstreamProtocolError({ method: 'initialize' }, 'initialize result without protocolVersion, capabilities or serverInfo', false);
  }
  const protocolVersion = result.protocolVersion;
  await post({ ...input.target, sessionId, protocolVersion }, { jsonrpc: '2.0', method: 'notifications/initialized' }, input.signal);
  // Checked above: the three fields an InitializeResult needs are there; the rest is relayed as the upstream sent it.
  return { era: 'legacy', sessionId, protocolVersion, result: result as InitializeResult };
}

async function modern(input: HandshakeInput): Promise<Established> {
  const request = { jsonrpc: '2.0' as const, id: input.nextId(), method: 'server/discover', params: { _meta: envelopeFor(input.client, undefined) } };
  const { response } = await exchange(input.target, request, { signal: input.signal });
  const result = resultOf(response, 'server/discover');
  const versions = Array.isArray(result.supportedVersions) ? result.supportedVersions : [];
  if (!versions.includes(MODERN_PROTOCOL_VERSION)) {
    throw new UpstreamUnsupportedError({ method: 'server/discover' }, `the upstream offers ${JSON.stringify(versions)}, not ${MODERN_PROTOCOL_VERSION}`);
  }
  const meta = isObject(result._meta) ? result._meta : {};
  const serverInfo = isObject(meta[SERVER_INFO_META_KEY]) ? meta[SERVER_INFO_META_KEY] : { name: 'upstream', version: 'unknown' };
  const initializeResult: InitializeResult = {
    protocolVersion: isModernVersion(input.client.protocolVersion) ? MODERN_PROTOCOL_VERSION : legacyVersionFor(input.client.protocolVersion),
    // Relayed as the upstream declared them; the 2026 capability object is a superset of the 2025 one.
    capabilities: (isObject(result.capabilities) ? result.capabilities : {}) as ServerCapabilities,
    serverInfo: serverInfo as Implementation,
    ...(typeof result.instructions === 'string' && { instructions: result.instructions }),
  };
  return { era: 'modern', sessionId: undefined, protocolVersion: MODERN_PROTOCOL_VERSION, result: initializeResult };
}

/** Evidence that the upstream does not speak the era we tried (as opposed to being down or broken). */
function saysWrongEra(error: unknown): boolean {
  if (error instanceof UpstreamRejectedError || error instanceof UpstreamUnsupportedError) return true;
  if (!(error instanceof ExchangeFailure)) return false;
  const status = httpStatus(error.cause)?.status;
  return status !== undefined && status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);
}

export async function handshake(input: HandshakeInput): Promise<Established> {
  if (input.era === 'legacy') return legacy(input);
  if (input.era === 'modern') return modern(input);
  const clientIsModern = isModernVersion(input.client.protocolVersion);
  const [first, second] = clientIsModern ? [modern, legacy] : [legacy, modern];
  try {
    return await first(input);
  } catch (error) {
    if (!saysWrongEra(error)) throw error;
    try {
      return await second(input);
    } catch (secondError) {
      // Down or broken on the second try: that is what to retry on. Refused both ways: the first refusal says most.
      throw saysWrongEra(secondError) ? error : secondError;
    }
  }
}
