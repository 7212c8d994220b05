/**
 * 2026-07-28 clients at the gateway. The SDK's own stateless handler serves
 * them, exactly as `serve` serves an app's modern requests (same validation,
 * same answers to bad input, same framing), with a low-level SDK Server per
 * request that presents the upstream (its info and capabilities) and relays
 * every request it does not answer itself to the client's link. Against a
 * 2025-era upstream the link holds an upstream session for that client (see
 * modern-links.ts); what such an upstream cannot give a 2026-07-28 client
 * (a server-to-client request) is refused upstream with a clear error.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  createMcpHandler,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  Server,
  type AuthInfo,
  type JSONRPCRequest,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import type { JSONRPCResponse } from '@modelcontextprotocol/client';
import { ANONYMOUS } from '../../runtime/auth/principal.js';
import type { ModernHandler } from '../../runtime/modern/modern-handler.js';
import type { UpstreamLink } from '../link.js';
import type { GatewayRoute } from '../route.js';
import type { UpstreamMessage } from '../upstream/types.js';
import { identityOf, refusal, type ModernLinks } from './modern-links.js';

export interface GatewayModernOptions {
  routes: ReadonlyMap<string, GatewayRoute>;
  links: ModernLinks;
  maxBodyBytes: number;
  bus: ServerEventBus;
  onerror: (error: Error) => void;
}

interface Prepared {
  body: Record<string, unknown>;
  route: GatewayRoute;
  link: UpstreamLink;
}

/** `_meta` keys that say which era a request is in: a 2025-era upstream session must not see them. */
const ENVELOPE_KEYS = [PROTOCOL_VERSION_META_KEY, CLIENT_INFO_META_KEY, CLIENT_CAPABILITIES_META_KEY, LOG_LEVEL_META_KEY];

export function gatewayModernHandler(options: GatewayModernOptions): ModernHandler {
  const prepared = new WeakMap<Request, Prepared>();
  const handler = createMcpHandler(
    async (ctx) => {
      const ready = ctx.requestInfo && prepared.get(ctx.requestInfo);
      // The SDK validated the envelope before calling this; prepare() found its identity and link.
      if (!ready) throw new Error('a 2026-07-28 request reached the gateway handler without its link');
      return serverFor(ready, await ready.link.initialize());
    },
    { legacy: 'reject', maxRequestBodySize: options.maxBodyBytes, bus: options.bus, onerror: options.onerror },
  );

  return {
    async fetch(request, body, authInfo, routeName) {
      const route = options.routes.get(routeName);
      if (!route) throw new Error(`no gateway route '${routeName}'`);
      const principal = authInfo?.clientId ?? ANONYMOUS;
      const message = body as Record<string, unknown>;
      const meta = metaOf(message);
      const identity = identityOf(meta, CLIENT_INFO_META_KEY, CLIENT_CAPABILITIES_META_KEY);
      // Whatever lacks an identity is refused by the SDK's own checks, as `serve` refuses it.
      if (identity && typeof message.method === 'string' && message.id !== undefined) {
        try {
          const link = await options.links.get(route, principal, identity);
          await route.withClientAuthorization(request.headers.get('authorization') ?? undefined, () => link.initialize());
          prepared.set(request, { body: message, route, link });
        } catch (error) {
          return Response.json(route.clientError(error, message.id as JSONRPCRequest['id']));
        }
      }
      return route.withClientAuthorization(request.headers.get('authorization') ?? undefined, () =>
        handler.fetch(request, { parsedBody: body, ...(authInfo && { authInfo: authInfo as AuthInfo }) }),
      );
    },
    close: () => handler.close(),
  };
}

function serverFor(ready: Prepared, upstream: Awaited<ReturnType<UpstreamLink['initialize']>>): Server {
  const { link, route, body } = ready;
  const server = new Server(upstream.serverInfo, { capabilities: upstream.capabilities, ...(upstream.instructions !== undefined && { instructions: upstream.instructions }) });
  server.fallbackRequestHandler = async (request, ctx) => {
    // The raw message, not the SDK's lifted one: a 2026-07-28 upstream needs its envelope and retry fields as sent.
    const outgoing = link.era === 'legacy' ? forLegacy(body) : (body as unknown as JSONRPCRequest);
    const onRelated = (message: UpstreamMessage) => {
      if ('id' in message) {
        void link.reply(refusal(message)).catch(() => undefined); // the upstream then fails its own call, which is answered below
        return;
      }
      // notify() is typed per server notification; the upstream's is relayed as it came, unread (hence `never`).
      // A notification for a client that left is nobody's loss.
      void ctx.mcpReq.notify(message as never).catch(() => undefined);
    };
    let response: JSONRPCResponse;
    try {
      response = await link.request({ ...outgoing, id: request.id }, { signal: ctx.mcpReq.signal, onRelated });
    } catch (error) {
      const failure = route.clientError(error, request.id).error;
      throw new ProtocolError(failure.code, failure.message, failure.data);
    }
    if ('error' in response) throw new ProtocolError(response.error.code, response.error.message, response.error.data);
    return response.result;
  };
  return server;
}

/** A 2026-07-28 request as a 2025-era upstream session takes it: no envelope keys, no retry fields. */
function forLegacy(body: Record<string, unknown>): JSONRPCRequest {
  const { inputResponses: _responses, requestState: _state, _meta, ...params } = (body.params ?? {}) as Record<string, unknown>;
  const meta = { ...(_meta as Record<string, unknown> | undefined) };
  for (const key of ENVELOPE_KEYS) delete meta[key];
  return { ...(body as unknown as JSONRPCRequest), params: { ...params, ...(Object.keys(meta).length > 0 && { _meta: meta }) } };
}

function metaOf(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const params = body.params;
  if (typeof params !== 'object' || params === null) return undefined;
  const meta = (params as { _meta?: unknown })._meta;
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined;
}
