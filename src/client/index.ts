/**
 * `durable-mcp/client`: a resilient MCP client for Streamable HTTP servers
 * that restart and deploy. See docs/client.md.
 */
export { ResilientClient } from './resilient-client.js';
export type { ResilientClientOptions } from './options.js';
export type { ClientEvents, ClientStats, EventName, RetryReason } from './events.js';
export {
  ClientClosedError,
  isResilientClientError,
  OutcomeUnknownError,
  RecoveryFailedError,
  ResilientClientError,
  ResilientErrorCode,
  ServerUnavailableError,
  type RequestDescription,
  type UnknownOutcomeReason,
} from './errors.js';
export { isRepeatableMethod, isRepeatableTool, isSafeToRepeat, type RetryCandidate, type RetrySafetyPolicy } from './safety.js';
export { backoffDelay, parseRetryAfter, type BackoffOptions } from './backoff.js';
export { classify, isSessionLostResponse, type AttemptFacts, type Failure } from './classify.js';
