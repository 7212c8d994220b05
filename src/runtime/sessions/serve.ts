import type { AuthInfo } from '@modelcontextprotocol/server';
import type { SessionRepository } from '../../store/index.js';
import { sessionNotFound, wireError } from '../errors.js';
import { isInitialize, isRequest, isResponse } from './messages.js';
import type { SessionRegistry } from './registry.js';
import type { SessionRelay } from './relay.js';
import { isSessionIdShape, presentedId } from './session-id.js';

/** What serving a request tells the request log, besides its status. */
export interface ServeNotes {
  sessionId?: string;
  rejection?: string;
}

export interface LegacyService {
  /**
   * Serves one 2025-era request, whatever it is: initialize (creates a
   * session), DELETE (ends one), GET (the standalone stream) and every other
   * POST (served by the session, rebuilt here first if this process does not
   * hold it). `body` is the parsed POST body (undefined for GET and DELETE).
   */
  serve(request: Request, body: unknown, caller: Caller, notes: ServeNotes): Promise<Response>;
}

/** Who sent a request, and to which endpoint. */
export interface Caller {
  principal: string;
  authInfo: AuthInfo | undefined;
  /** '' for the one endpoint (`/mcp`), a name for `/mcp/<name>`. */
  route: string;
}

export interface LegacyServiceOptions {
  registry: SessionRegistry;
  relay: SessionRelay;
  sessions: Pick<SessionRepository, 'setLogLevel' | 'addSubscription' | 'removeSubscription'>;
  deploymentId: string;
  /** A presented id did not name a session (or none was sent): logged and counted by the caller's telemetry. */
  onRejected: (reason: 'missing' | 'unknown', presentedId: string | undefined) => void;
}

export function createLegacyService(options: LegacyServiceOptions): LegacyService {
  const { registry, relay, deploymentId } = options;

  async function serve(request: Request, body: unknown, caller: Caller, notes: ServeNotes): Promise<Response> {
    const { principal, authInfo, route } = caller;
    const messages: unknown[] = body === undefined ? [] : Array.isArray(body) ? body : [body];
    const init = messages.find(isInitialize);
    if (init) {
      if (typeof init.params !== 'object' || init.params === null || Array.isArray(init.params)) {
        return wireError('INVALID_REQUEST', {
          message: 'Invalid Request: initialize needs params { protocolVersion, capabilities, clientInfo }',
          id: typeof init.id === 'string' || typeof init.id === 'number' ? init.id : null,
        });
      }
      if (messages.length > 1) return wireError('INVALID_REQUEST', { message: 'Invalid Request: initialize must be sent alone, not in a batch' });
      if (containsNul(init.params)) return unstorable('initialize params', init.id);
      // A client re-initializing may still send its old id: it asks for a new session, so the header is ignored.
      return registry.create(request, init as { params: Record<string, unknown> }, principal, authInfo, route);
    }

    const id = request.headers.get('mcp-session-id');
    if (!id) {
      notes.rejection = 'missing';
      options.onRejected('missing', undefined);
      return wireError('SESSION_REQUIRED');
    }
    notes.sessionId = presentedId(id);
    if (!isSessionIdShape(id)) {
      notes.rejection = 'unknown';
      options.onRejected('unknown', notes.sessionId);
      return sessionNotFound('unknown', deploymentId);
    }

    if (request.method === 'DELETE') {
      const outcome = await registry.terminate(id, principal, route);
      if (outcome.ok) return new Response(null, { status: 200 });
      notes.rejection = outcome.reason;
      return sessionNotFound(outcome.reason, deploymentId);
    }

    const resolved = await registry.resolve(id, principal, authInfo, route);
    if (!resolved.ok) {
      notes.rejection = resolved.reason;
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
    let forward = body;
    if (messages.some(isResponse)) {
      // Replies to sampling/elicitation requests another instance is waiting for go there, through PostgreSQL.
      const local = await relay.routeReplies(session, messages);
      if (local.length === 0) return new Response(null, { status: 202 });
      forward = Array.isArray(body) ? local : local[0];
    }
    const remembered = messages.filter(isRemembered);
    const refused = remembered.find((message) => containsNul(message.params));
    if (refused) return unstorable(`${refused.method} params`, isRequest(refused) ? refused.id : undefined);
    for (const message of remembered) await remember(options.sessions, session.id, message);
    return session.handle(request, forward, authInfo);
  }

  return { serve };
}

const LOG_LEVELS = new Set(['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency']);

type Remembered = { method: 'logging/setLevel' | 'resources/subscribe' | 'resources/unsubscribe'; params?: unknown };

function isRemembered(message: unknown): message is Remembered {
  const method = typeof message === 'object' && message !== null ? (message as { method?: unknown }).method : undefined;
  return method === 'logging/setLevel' || method === 'resources/subscribe' || method === 'resources/unsubscribe';
}

/** Records what a rebuilt session must re-apply: the log level and resource subscriptions. */
async function remember(repo: LegacyServiceOptions['sessions'], sessionId: string, message: Remembered): Promise<void> {
  const params = (message.params ?? {}) as Record<string, unknown>;
  if (message.method === 'logging/setLevel') {
    if (typeof params.level === 'string' && LOG_LEVELS.has(params.level)) await repo.setLogLevel(sessionId, params.level);
  } else if (typeof params.uri === 'string') {
    if (message.method === 'resources/subscribe') await repo.addSubscription(sessionId, params.uri);
    else await repo.removeSubscription(sessionId, params.uri);
  }
}

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
