/**
 * Requests a server sends to its client (sampling, elicitation, roots, and
 * anything else it may ask) are the local client's to answer, not the
 * bridge's. The bridge declares upstream the capabilities the local client
 * declared, and relays each such request to it; the result, or the JSON-RPC
 * error with its code and data, goes back unchanged.
 *
 * Installed on every SDK client the resilient client opens, so a
 * re-initialized session keeps relaying. The same handlers serve both eras: a
 * 2025-era remote sends these as requests; a 2026-07-28 remote embeds them in
 * an `input_required` result, which the SDK client fulfils through them.
 */
import type { Client, ClientCapabilities, ClientContext, RequestOptions } from '@modelcontextprotocol/client';
import type { Server } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { describeError, type BridgeLogger } from './logger.js';

/**
 * What the bridge declares upstream: the local client's capabilities, except
 * `tasks`. A task-augmented request is answered with a task to poll, which the
 * SDK's client (the bridge's upstream side) validates as a plain result and
 * rejects, so the bridge would promise what it cannot carry.
 */
export function relayedCapabilities(local: ClientCapabilities): ClientCapabilities {
  const { tasks: _notRelayable, ...relayed } = local;
  return relayed;
}

/** Whatever the local client answered; the SDK validates it on the upstream side, per method and era. */
const AnyResult = z.looseObject({});

/**
 * No deadline of the bridge's own: a relayed request lasts as long as the
 * remote waits for it (its cancellation, or the end of the connection it came
 * on, aborts the signal below), and a human answering an elicitation is not
 * cut short by a proxy. The SDK always arms a timer; this is the largest
 * delay a Node timer accepts.
 */
const ASKER_DECIDES_MS = 2 ** 31 - 1;

export interface LocalClientLink {
  /** The proxy server, once the local client has completed its handshake. */
  ready(signal: AbortSignal): Promise<Server>;
}

export function relayServerRequests(client: Client, capabilities: ClientCapabilities, local: LocalClientLink, logger: BridgeLogger): void {
  const options = (ctx: ClientContext): RequestOptions => ({ signal: ctx.mcpReq.signal, timeout: ASKER_DECIDES_MS });
  const failed = (method: string) => (error: unknown) => {
    logger.debug(`${method} from the remote: the local client answered with an error: ${describeError(error)}`);
    throw error;
  };

  // Registered per method, not only through the fallback: the SDK validates
  // these requests and results, and fulfils `input_required` only through
  // handlers registered by name.
  if (capabilities.sampling) {
    client.setRequestHandler('sampling/createMessage', async (request, ctx) =>
      (await local.ready(ctx.mcpReq.signal))
        .request({ method: 'sampling/createMessage', params: request.params }, options(ctx))
        .catch(failed(request.method)),
    );
  }
  if (capabilities.elicitation) {
    client.setRequestHandler('elicitation/create', async (request, ctx) =>
      (await local.ready(ctx.mcpReq.signal))
        .request({ method: 'elicitation/create', params: request.params }, options(ctx))
        .catch(failed(request.method)),
    );
  }
  if (capabilities.roots) {
    client.setRequestHandler('roots/list', async (request, ctx) =>
      (await local.ready(ctx.mcpReq.signal))
        .request({ method: 'roots/list', ...(request.params && { params: request.params }) }, options(ctx))
        .catch(failed(request.method)),
    );
  }
  // Anything else (extension methods the local client may know): as-is. The local client's "method not found" comes back as such.
  client.fallbackRequestHandler = async (request, ctx) =>
    (await local.ready(ctx.mcpReq.signal))
      .request({ method: request.method, ...(request.params && { params: request.params }) }, AnyResult, options(ctx))
      .catch(failed(request.method));
}
