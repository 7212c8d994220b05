import { CLIENT_INFO_META_KEY, createMcpHandler, type AuthInfo, type ServerEventBus } from '@modelcontextprotocol/server';
import { clientIdentityOf, type ServerBuilder } from '../app-server.js';
import { ANONYMOUS } from '../auth/principal.js';

/**
 * What serves 2026-07-28 requests: stateless, any instance. The endpoint gives it the already parsed body and
 * the route it arrived on ('' for the one endpoint, a name for `/mcp/<name>`).
 */
export interface ModernHandler {
  fetch(request: Request, body: unknown, authInfo: AuthInfo | undefined, route: string): Promise<Response>;
  close(): Promise<void>;
}

export interface ModernHandlerOptions {
  maxBodyBytes: number;
  bus?: ServerEventBus;
  onerror?: (error: Error) => void;
}

/**
 * An app's 2026-07-28 requests, served by the SDK's own handler with a fresh
 * McpServer per request. Legacy traffic never reaches it (`legacy: 'reject'`):
 * the endpoint routes that to durable sessions first.
 */
export function appModernHandler(build: ServerBuilder, options: ModernHandlerOptions): ModernHandler {
  // The SDK hands the server factory the Request, not the body: the body is found again by its request.
  const bodies = new WeakMap<Request, unknown>();
  const handler = createMcpHandler(
    (ctx) => {
      const body = ctx.requestInfo ? bodies.get(ctx.requestInfo) : undefined;
      const client = clientIdentityOf(metaOf(body)?.[CLIENT_INFO_META_KEY]);
      return build({ era: 'modern', principal: ctx.authInfo?.clientId ?? ANONYMOUS, ...(client && { client }) });
    },
    {
      legacy: 'reject',
      maxRequestBodySize: options.maxBodyBytes,
      ...(options.bus && { bus: options.bus }),
      ...(options.onerror && { onerror: options.onerror }),
    },
  );
  return {
    fetch(request, body, authInfo) {
      bodies.set(request, body);
      return handler.fetch(request, { parsedBody: body, ...(authInfo && { authInfo }) });
    },
    close: () => handler.close(),
  };
}

function metaOf(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const params = (body as { params?: unknown }).params;
  if (typeof params !== 'object' || params === null) return undefined;
  const meta = (params as { _meta?: unknown })._meta;
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined;
}
