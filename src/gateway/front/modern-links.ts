/**
 * Links for 2026-07-28 clients, which have no session: one per (route,
 * principal, client identity), where the identity is what the client puts in
 * each request's `_meta` (its info and capabilities). Against a 2026-07-28
 * upstream such a link holds nothing but what it learned (tool annotations);
 * against a 2025-era upstream it holds that client's upstream session. Its
 * snapshot is kept in the store's state table, so any gateway instance
 * continues the same upstream session. Links live in a bounded cache; a link
 * is never shared between principals.
 */
import { createHash } from 'node:crypto';
import type { ClientCapabilities, Implementation, InitializeRequestParams, JSONRPCNotification, JSONRPCResponse } from '@modelcontextprotocol/client';
import type { UpstreamLink } from '../link.js';
import { MODERN_PROTOCOL_VERSION } from '../upstream/envelope.js';
import type { UpstreamMessage } from '../upstream/types.js';
import type { GatewayRoute } from '../route.js';
import { GatewayErrorCode } from './errors.js';
import { SnapshotWriter, storedSnapshot } from './snapshot-writer.js';

export interface ModernIdentity {
  clientInfo: Implementation;
  capabilities: ClientCapabilities;
}

export interface ModernLinkHooks {
  /** A notification the upstream sent this client outside any request (a legacy upstream's standalone stream). */
  onNotification(message: JSONRPCNotification): void;
}

interface Entry {
  link: UpstreamLink;
  writer: SnapshotWriter;
}

/** State scope of a principal's 2026-07-28 links; the key names the route and the identity. */
export const modernScope = (principal: string) => `gateway-client:${principal}`;

/**
 * Where link snapshots are kept: the part of the store's key-value state the links use (the runtime hands the gateway
 * `ctx.store.state`; naming only these two methods keeps the gateway off the store's own types).
 */
export interface LinkState {
  get(scope: string, key: string): Promise<unknown>;
  set(scope: string, key: string, value: unknown): Promise<void>;
}

export class ModernLinks {
  readonly #entries = new Map<string, Promise<Entry>>();

  constructor(
    private readonly state: LinkState,
    private readonly maxLinks: number,
    private readonly hooks: ModernLinkHooks,
    private readonly onError: (error: unknown, context: string) => void,
  ) {}

  /** The link of this client on this route, continued from the store when another instance made it. */
  async get(route: GatewayRoute, principal: string, identity: ModernIdentity): Promise<UpstreamLink> {
    const key = `${route.name}/${createHash('sha256').update(JSON.stringify([identity.clientInfo, identity.capabilities])).digest('base64url')}`;
    const cacheKey = `${principal}\n${key}`;
    let entry = this.#entries.get(cacheKey);
    if (entry) {
      // Most recently used last: the Map's order is the eviction order.
      this.#entries.delete(cacheKey);
      this.#entries.set(cacheKey, entry);
    } else {
      entry = this.#load(route, principal, key, identity);
      this.#entries.set(cacheKey, entry);
      const loading = entry;
      // Only this entry: it may have been evicted meanwhile and the key taken by a newer load, which must stay.
      entry.catch(() => this.#entries.get(cacheKey) === loading && this.#entries.delete(cacheKey));
      this.#evict();
    }
    return (await entry).link;
  }

  async close(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.allSettled(entries.map(async (pending) => this.#release(await pending)));
  }

  async #load(route: GatewayRoute, principal: string, key: string, identity: ModernIdentity): Promise<Entry> {
    const scope = modernScope(principal);
    const stored = storedSnapshot(await this.state.get(scope, key));
    const writer = new SnapshotWriter((snapshot) => this.state.set(scope, key, snapshot), (error) => this.onError(error, 'persist a 2026-07-28 client link'), stored);
    const telemetry = route.telemetry.hooks({ principal });
    const initialize: InitializeRequestParams = { protocolVersion: MODERN_PROTOCOL_VERSION, capabilities: identity.capabilities, clientInfo: identity.clientInfo };
    const link: UpstreamLink = route.link({ initialize }, stored, {
      onSnapshot: (snapshot) => writer.offer(snapshot),
      onMessage: (message) => {
        if ('id' in message) void link.reply(refusal(message)).catch((error: unknown) => this.onError(error, 'refuse a server-to-client request'));
        else this.hooks.onNotification(message);
      },
      onRecreated: telemetry.onRecreated,
      onEvent: telemetry.onEvent,
    }, { principal });
    return { link, writer };
  }

  #evict(): void {
    for (const [cacheKey, pending] of this.#entries) {
      if (this.#entries.size <= this.maxLinks) return;
      this.#entries.delete(cacheKey);
      // Closing leaves the upstream session to whichever instance (or this one, later) continues it from the store.
      void pending.then((entry) => this.#release(entry), () => undefined);
    }
  }

  async #release(entry: Entry): Promise<void> {
    await entry.link.close();
    await entry.writer.flush();
  }
}

/** What a 2025-era upstream is told when it asks a 2026-07-28 client for something: there is no way to ask. */
export function refusal(message: Extract<UpstreamMessage, { id: unknown }>): JSONRPCResponse {
  return {
    jsonrpc: '2.0',
    id: message.id,
    error: {
      code: -32601,
      message: `the client speaks MCP 2026-07-28, which has no server-to-client requests; the gateway cannot deliver ${message.method} to it`,
      data: { code: GatewayErrorCode.EraUnsupported },
    },
  };
}

/** The client identity a 2026-07-28 request carries in `_meta`, if it is well formed. */
export function identityOf(meta: Record<string, unknown> | undefined, infoKey: string, capabilitiesKey: string): ModernIdentity | undefined {
  const info = meta?.[infoKey] as Partial<Implementation> | undefined;
  const capabilities = meta?.[capabilitiesKey];
  if (typeof info !== 'object' || info === null || typeof info.name !== 'string' || typeof info.version !== 'string') return undefined;
  if (typeof capabilities !== 'object' || capabilities === null || Array.isArray(capabilities)) return undefined;
  return { clientInfo: info as Implementation, capabilities: capabilities as ClientCapabilities };
}
