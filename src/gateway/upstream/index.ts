/**
 * The gateway's upstream side: everything that talks to one upstream MCP
 * server over Streamable HTTP. The front (the durable runtime serving
 * clients) creates one UpstreamSession per front session and persists its
 * snapshots.
 */
export { UpstreamSession, type UpstreamSessionOptions } from './session.js';
export { resolveUpstreamConfig, UPSTREAM_DEFAULTS, type EraPreference, type ResolvedUpstreamConfig, type UpstreamConfig } from './config.js';
export type {
  FrontIdentity,
  ListKind,
  RecreatedInfo,
  RecreateReason,
  UpstreamEra,
  UpstreamEvent,
  UpstreamHooks,
  UpstreamMessage,
  UpstreamRequestOptions,
  UpstreamSnapshot,
  UpstreamState,
} from './types.js';
export {
  toJsonRpcError,
  UPSTREAM_FAILURE_RPC_CODE,
  UpstreamCancelledError,
  UpstreamCapacityError,
  UpstreamClosedError,
  UpstreamError,
  UpstreamErrorCode,
  UpstreamHttpError,
  UpstreamProtocolError,
  UpstreamRejectedError,
  UpstreamStartError,
  UpstreamUnsupportedError,
} from './errors.js';
export { OutcomeUnknownError, RecoveryFailedError, ServerUnavailableError } from '../../client/errors.js';
export { MODERN_PROTOCOL_VERSION } from './envelope.js';
