import {
  isJsonContentType,
  isLegacyRequest,
  PROTOCOL_VERSION_META_KEY,
  readRequestBody,
  type AuthInfo,
  type McpHttpHandler,
} from '@modelcontextprotocol/server';
import { failureResponse, sessionNotFound, wireError, type RejectionReason } from '../errors.js';
import { onBodyDone } from '../legacy/live-session.js';
import { isSessionIdShape, presentedId } from '../legacy/session-id.js';
import type { SessionRelay } from '../cluster/session-relay.js';
import type { SessionManager } from '../legacy/session-manager.js';
import { rpcMethodOf, type RequestFields } from './request-log.js';

export interface McpEndpointOptions {
  sessions: SessionManager;
  relay: SessionRelay;
  modern: McpHttpHandler;
  deploymentId: string;
  maxBodyBytes: number;
  /** Remembers the parsed body of a modern request so the server factory can read its `_meta`. */
  modernBodies: WeakMap<Request, unknown>;
  onRejected?: (reason: RejectionReason, sessionId: string | undefined) => void;
  onError?: (error: unknown) => void;
  /**
   * What drain waits for besides the sessions' own in-flight requests:
   * modern exchanges until their body is done, and legacy requests still on
   * their way to a session (store lookup, rebuild) that no session counts yet.
   */
  inFlight: { modern: number; arriving: number };
}

export type McpEndpoint = (request: Request, principal: string, authInfo: AuthInfo | undefined, fields: RequestFields) => Promise<Response>;

/**
 * `/mcp`: one endpoint, two eras. The body is read and parsed once, here;
 * the SDK's own classifier then decides the era from it, and both the modern
 * handler and the legacy transports get the parsed body instead of re-reading.
 */
export function createMcpEndpoint(options: McpEndpointOptions): McpEndpoint {
  const { sessions, modern, deploymentId, maxBodyBytes } = options;

  const failure = (error: unknown): Response => {
    options.onError?.(error);
    return failureResponse(error);
  };

  const missingSession = (fields: RequestFields): Response => {
    fields.rejection = 'missing';
    options.onRejected?.('missing', undefined);
    return wireError('SESSION_REQUIRED');
  };

  async function legacy(
    request: Request,
    body: unknown,
    principal: string,
    authInfo: AuthInfo | undefined,
    fields: RequestFields,
  ): Promise<Response> {
    const messages: unknown[] = Array.isArray(body) ? body : [body];
    const init = messages.find(isInitialize);
    if (init) {
      if (typeof init.params !== 'object' || init.params === null || Array.isArray(init.params)) {
        return wireError('INVALID_REQUEST', {
          message: 'Invalid Request: initialize needs params { protocolVersion, capabilities, clientInfo }',
          id: typeof init.id === 'string' || typeof init.id === 'number' ? init.id : null,
        });
      }
      if (messages.length > 1) {
        return wireError('INVALID_REQUEST', { message: 'Invalid Request: initialize must be sent alone, not in a batch' });
      }
      if (containsNul(init.params)) return unstorable('initialize params', init.id);
      // A client re-initializing may still send its old id: it asks for a new session, so the header is ignored.
      return sessions.create(request, init as { params: Record<string, unknown> }, principal, authInfo);
    }
    const id = request.headers.get('mcp-session-id');
    if (!id) return missingSession(fields);
    fields.sessionId = presentedId(id);
    if (!isSessionIdShape(id)) {
      fields.rejection = 'unknown';
      options.onRejected?.('unknown', fields.sessionId);
      return sessionNotFound('unknown', deploymentId);
    }

    if (request.method === 'DELETE') {
      const outcome = await sessions.terminate(id, principal);
      if (!outcome.ok) {
        fields.rejection = outcome.reason;
        return sessionNotFound(outcome.reason, deploymentId);
      }
      return new Response(null, { status: 200 });
    }

    const resolved = await sessions.resolve(id, principal, authInfo);
    if (!resolved.ok) {
      fields.rejection = resolved.reason;
      return sessionNotFound(resolved.reason, deploymentId);
    }
    const session = resolved.session;
    if (Array.isArray(body)) {
      if (!session.allowsBatches) {
        return wireError('INVALID_REQUEST', {
          message: `Invalid Request: JSON-RPC batches are not part of protocol ${session.protocolVersion}; send one message per request`,
        });
      }
      if (body.length === 0) return wireError('INVALID_REQUEST', { message: 'Invalid Request: empty batch' });
    }
    let forward: unknown = body;
    if (messages.some(isResponse)) {
      // Replies to sampling/elicitation requests another instance is waiting for go there, through PostgreSQL.
      const local = await options.relay.routeReplies(session, messages);
      if (local.length === 0) return new Response(null, { status: 202 });
      forward = Array.isArray(body) ? local : local[0];
    }
    const remembered = messages.filter(isRemembered);
    const refused = remembered.find((message) => containsNul(message.params));
    if (refused) return unstorable(`${refused.method} params`, (refused as { id?: unknown }).id);
    for (const message of remembered) await sessions.remember(session, message);
    return session.handle(request, forward, authInfo);
  }

  return async (request, principal, authInfo, fields) => {
    const method = request.method;
    if (method === 'GET' || method === 'DELETE') {
      fields.era = 'legacy';
      options.inFlight.arriving += 1;
      try {
        return await legacy(request, undefined, principal, authInfo, fields);
      } catch (error) {
        return failure(error);
      } finally {
        options.inFlight.arriving -= 1;
      }
    }
    if (method !== 'POST') {
      return wireError('METHOD_NOT_ALLOWED', { headers: { allow: 'GET, POST, DELETE' } });
    }
    if (!isJsonContentType(request.headers.get('content-type'))) return wireError('UNSUPPORTED_MEDIA_TYPE');

    let text: string;
    try {
      const read = await readRequestBody(request, maxBodyBytes);
      if (read.tooLarge) {
        return wireError('BODY_TOO_LARGE', { message: `Payload too large: request bodies are limited to ${maxBodyBytes} bytes` });
      }
      text = read.text;
    } catch {
      return wireError('INVALID_REQUEST', { message: 'Invalid Request: the request body could not be read' });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return wireError('PARSE_ERROR');
    }
    if (typeof body !== 'object' || body === null) {
      return wireError('INVALID_REQUEST', { message: 'Invalid Request: the body must be a JSON-RPC message object' });
    }
    fields.rpcMethod = rpcMethodOf(body);

    if (!(isPlainLegacy(request, body) || (await isLegacyRequest(request, body, { maxRequestBodySize: maxBodyBytes })))) {
      fields.era = 'modern';
      options.modernBodies.set(request, body);
      options.inFlight.modern += 1;
      let response: Response;
      try {
        response = await modern.fetch(request, { parsedBody: body, ...(authInfo && { authInfo }) });
      } catch (error) {
        options.inFlight.modern -= 1;
        throw error;
      }
      if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        options.inFlight.modern -= 1;
        return response;
      }
      return onBodyDone(response, () => {
        options.inFlight.modern -= 1;
      });
    }
    fields.era = 'legacy';
    options.inFlight.arriving += 1;
    try {
      return await legacy(request, body, principal, authInfo, fields);
    } catch (error) {
      return failure(error);
    } finally {
      options.inFlight.arriving -= 1;
    }
  };
}

/**
 * The common case, decided without the SDK's classifier (which tries the
 * JSON-RPC shapes one by one with zod, failed parses included, on every
 * request): one well-formed JSON-RPC request or notification that makes no
 * 2026-07-28 envelope claim and names no modern version in its header is
 * legacy. Anything else, the SDK decides. test/runtime/sdk-contract.test.ts
 * checks that the SDK agrees wherever this says yes.
 */
export function isPlainLegacy(request: Request, body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { jsonrpc, method, id, params } = body as { jsonrpc?: unknown; method?: unknown; id?: unknown; params?: unknown };
  if (jsonrpc !== '2.0' || typeof method !== 'string') return false;
  if (id !== undefined && typeof id !== 'string' && !Number.isSafeInteger(id)) return false;
  if (params !== undefined) {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) return false;
    const meta = (params as { _meta?: unknown })._meta;
    if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta) || PROTOCOL_VERSION_META_KEY in meta)) return false;
  }
  const version = request.headers.get('mcp-protocol-version');
  return version === null || version.trim() < FIRST_MODERN_VERSION;
}

/** The first protocol revision of the modern (stateless, envelope-carrying) era. */
const FIRST_MODERN_VERSION = '2026-07-28';

/** What the session record keeps must be storable: PostgreSQL text and jsonb refuse U+0000. */
function unstorable(what: string, id: unknown): Response {
  return wireError('INVALID_PARAMS', {
    message: `Invalid params: the ${what} contain a NUL character (U+0000), which this server cannot store; remove it`,
    id: typeof id === 'string' || typeof id === 'number' ? id : null,
  });
}

/** Whether any string in a parsed JSON value contains U+0000. Iterative: a deeply nested body must not overflow the stack. */
export function containsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (next.includes('\u0000')) return true;
    } else if (typeof next === 'object' && next !== null) {
      for (const [key, child] of Object.entries(next)) {
        if (key.includes('\u0000')) return true;
        pending.push(child);
      }
    }
  }
  return false;
}

function isInitialize(message: unknown): message is { method: 'initialize'; params?: unknown; id?: unknown } {
  return typeof message === 'object' && message !== null && (message as { method?: unknown }).method === 'initialize';
}

function isResponse(message: unknown): boolean {
  return typeof message === 'object' && message !== null && !('method' in message) && ('result' in message || 'error' in message);
}

function isRemembered(message: unknown): message is { method: string; params?: unknown } {
  if (typeof message !== 'object' || message === null) return false;
  const method = (message as { method?: unknown }).method;
  return method === 'logging/setLevel' || method === 'resources/subscribe' || method === 'resources/unsubscribe';
}
