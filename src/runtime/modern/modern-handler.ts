import { CLIENT_INFO_META_KEY, createMcpHandler, type McpHttpHandler, type ServerEventBus } from '@modelcontextprotocol/server';
import { ANONYMOUS } from '../http/guards.js';
import { clientIdentityOf, type ServerBuilder } from '../server-builder.js';

export interface ModernHandlerOptions {
  maxBodyBytes: number;
  /** Parsed bodies by request, filled by the endpoint (the SDK passes the factory the Request, not the body). */
  bodies: WeakMap<Request, unknown>;
  bus?: ServerEventBus;
  onerror?: (error: Error) => void;
}

/**
 * 2026-07-28 requests: stateless, any instance, served by the SDK's own
 * handler. Legacy traffic never reaches it (`legacy: 'reject'`): the endpoint
 * routes that to durable sessions first.
 */
export function createModernHandler(build: ServerBuilder, options: ModernHandlerOptions): McpHttpHandler {
  return createMcpHandler(
    (ctx) => {
      const body = ctx.requestInfo ? options.bodies.get(ctx.requestInfo) : undefined;
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
}

function metaOf(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const params = (body as { params?: unknown }).params;
  if (typeof params !== 'object' || params === null) return undefined;
  const meta = (params as { _meta?: unknown })._meta;
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined;
}
