/**
 * The codes the gateway's front puts in `error.data.code` of the JSON-RPC
 * errors it makes itself (the upstream side's failures keep theirs, see
 * upstream/errors.ts; the upstream's own errors are relayed unchanged).
 */
export const GatewayErrorCode = {
  /** A 2026-07-28 server asked a 2025-era client for input and that could not be completed (declined, no capability, too many rounds). */
  InputFailed: 'DURABLE_MCP_GATEWAY_INPUT_FAILED',
  /** A 2025-era server sent a 2026-07-28 client a server-to-client request, which that era cannot carry. */
  EraUnsupported: 'DURABLE_MCP_GATEWAY_ERA_UNSUPPORTED',
} as const;
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];
