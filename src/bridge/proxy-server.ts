/**
 * The local side of the bridge: a low-level SDK `Server` whose handlers
 * forward every request to the remote through the resilient client. Its
 * capabilities mirror the remote's, plus `listChanged` on each list, so the
 * bridge can tell the local client when a restart changed what the remote
 * offers. `ping` is answered locally (it asks whether the bridge is alive).
 * Requests in the other direction are relayed by server-requests.ts.
 */
import type { RequestOptions } from '@modelcontextprotocol/client';
import { ProtocolError, ProtocolErrorCode, Server, type ServerCapabilities, type ServerContext } from '@modelcontextprotocol/server';
import { isResilientClientError, type ResilientClient } from '../client/index.js';
import { describeError, type BridgeLogger } from './logger.js';

export interface ProxyServerOptions {
  remote: ResilientClient;
  logger: BridgeLogger;
  /** Per-request timeout toward the remote. */
  timeoutMs: number | undefined;
  /** Called with every tool list the local client receives, so a later change can be detected. */
  onToolsListed(tools: readonly unknown[]): void;
  /** The local client's roots changed (`notifications/roots/list_changed`). */
  onRootsListChanged(): void;
}

/**
 * Mirrors the remote's capabilities. On a 2026-07-28 remote, logging/setLevel
 * and resources/subscribe no longer exist (the SDK refuses to send them), so
 * they are not offered to the local client.
 */
export function mirrorCapabilities(remote: ServerCapabilities | undefined, modern: boolean): ServerCapabilities {
  const capabilities: ServerCapabilities = {};
  if (remote?.tools) capabilities.tools = { ...remote.tools, listChanged: true };
  if (remote?.prompts) capabilities.prompts = { ...remote.prompts, listChanged: true };
  if (remote?.resources) {
    const { subscribe, ...rest } = remote.resources;
    capabilities.resources = { ...rest, listChanged: true, ...(subscribe && !modern && { subscribe }) };
  }
  if (remote?.completions) capabilities.completions = {};
  if (remote?.logging && !modern) capabilities.logging = {};
  return capabilities;
}

/** Our errors become JSON-RPC errors that keep the stable code and whether the request may have run. */
function toWireError(error: unknown): unknown {
  if (isResilientClientError(error)) {
    return new ProtocolError(ProtocolErrorCode.InternalError, error.message, { code: error.code, mayHaveRun: error.mayHaveRun });
  }
  // The remote's own JSON-RPC errors keep their numeric code; the SDK server forwards them as they are.
  return error;
}

export function buildProxyServer(options: ProxyServerOptions): Server {
  const { remote, logger } = options;
  const version = remote.getServerVersion();
  const capabilities = mirrorCapabilities(remote.getServerCapabilities(), remote.era === 'modern');
  const server = new Server(
    { name: `${version?.name ?? 'remote'} (via durable-mcp bridge)`, version: version?.version ?? '0.0.0' },
    {
      capabilities,
      ...(remote.getInstructions() !== undefined && { instructions: remote.getInstructions() }),
    },
  );

  /** Cancellation, timeout and progress travel from the local request to the remote one. */
  const forward = (ctx: ServerContext): RequestOptions => {
    const token = ctx.mcpReq._meta?.progressToken;
    return {
      signal: ctx.mcpReq.signal,
      ...(options.timeoutMs !== undefined && { timeout: options.timeoutMs }),
      ...(token !== undefined && {
        resetTimeoutOnProgress: true,
        onprogress: (progress) => {
          ctx.mcpReq
            .notify({ method: 'notifications/progress', params: { ...progress, progressToken: token } })
            .catch((error: unknown) => logger.debug(`progress not delivered: ${describeError(error)}`));
        },
      }),
    };
  };

  const guarded = async <T>(method: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      logger.debug(`${method} failed: ${describeError(error)}`);
      throw toWireError(error);
    }
  };

  if (capabilities.tools) {
    server.setRequestHandler('tools/list', (request, ctx) =>
      guarded('tools/list', async () => {
        const result = await remote.listTools(request.params, { ...forward(ctx), cacheMode: 'bypass' });
        if (request.params?.cursor === undefined) options.onToolsListed(result.tools);
        return result;
      }),
    );
    server.setRequestHandler('tools/call', (request, ctx) => guarded('tools/call', () => remote.callTool(request.params, forward(ctx))));
  }
  if (capabilities.resources) {
    server.setRequestHandler('resources/list', (request, ctx) =>
      guarded('resources/list', () => remote.listResources(request.params, { ...forward(ctx), cacheMode: 'bypass' })),
    );
    server.setRequestHandler('resources/templates/list', (request, ctx) =>
      guarded('resources/templates/list', () => remote.listResourceTemplates(request.params, { ...forward(ctx), cacheMode: 'bypass' })),
    );
    server.setRequestHandler('resources/read', (request, ctx) =>
      guarded('resources/read', () => remote.readResource(request.params, { ...forward(ctx), cacheMode: 'bypass' })),
    );
    if (capabilities.resources.subscribe) {
      server.setRequestHandler('resources/subscribe', (request, ctx) =>
        guarded('resources/subscribe', () => remote.subscribeResource(request.params, forward(ctx))),
      );
      server.setRequestHandler('resources/unsubscribe', (request, ctx) =>
        guarded('resources/unsubscribe', () => remote.unsubscribeResource(request.params, forward(ctx))),
      );
    }
  }
  if (capabilities.prompts) {
    server.setRequestHandler('prompts/list', (request, ctx) =>
      guarded('prompts/list', () => remote.listPrompts(request.params, { ...forward(ctx), cacheMode: 'bypass' })),
    );
    server.setRequestHandler('prompts/get', (request, ctx) => guarded('prompts/get', () => remote.getPrompt(request.params, forward(ctx))));
  }
  if (capabilities.completions) {
    server.setRequestHandler('completion/complete', (request, ctx) =>
      guarded('completion/complete', () => remote.complete(request.params, forward(ctx))),
    );
  }
  if (capabilities.logging) {
    server.setRequestHandler('logging/setLevel', (request, ctx) =>
      guarded('logging/setLevel', () => remote.setLoggingLevel(request.params.level, forward(ctx))),
    );
  }
  server.setNotificationHandler('notifications/roots/list_changed', () => options.onRootsListChanged());
  // Anything else (extension methods) goes through as-is.
  server.fallbackRequestHandler = (request, ctx) =>
    guarded(request.method, () => remote.request(request.method, request.params as Record<string, unknown> | undefined, forward(ctx)));

  return server;
}
