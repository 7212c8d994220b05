/**
 * Notices when a reconnect changed what the remote offers. The remote cannot
 * send `list_changed` for a change that happened while it was down (its new
 * process never knew the old list), so after each reconnect the bridge lists
 * again, compares with what the local client last saw, and sends the
 * notification itself.
 */
import type { Server } from '@modelcontextprotocol/server';
import type { ResilientClient } from '../client/index.js';
import { describeError, type BridgeLogger } from './logger.js';

type Kind = 'tools' | 'prompts' | 'resources';

interface Watched {
  list(): Promise<readonly unknown[]>;
  notify(): Promise<void>;
  fingerprint: string | undefined;
}

/** Order-insensitive: a server may list the same items in another order after a restart. */
export function fingerprint(items: readonly unknown[]): string {
  return items
    .map((item) => JSON.stringify(item))
    .sort()
    .join('\n');
}

export class ListWatcher {
  readonly #watched = new Map<Kind, Watched>();
  readonly #logger: BridgeLogger;
  #queue: Promise<void> = Promise.resolve();

  constructor(remote: ResilientClient, server: Server, logger: BridgeLogger) {
    this.#logger = logger;
    const capabilities = remote.getServerCapabilities();
    const bypass = { cacheMode: 'bypass' as const };
    if (capabilities?.tools) {
      this.#watched.set('tools', {
        list: async () => (await remote.listTools(undefined, bypass)).tools,
        notify: () => server.sendToolListChanged(),
        fingerprint: undefined,
      });
    }
    if (capabilities?.prompts) {
      this.#watched.set('prompts', {
        list: async () => (await remote.listPrompts(undefined, bypass)).prompts,
        notify: () => server.sendPromptListChanged(),
        fingerprint: undefined,
      });
    }
    if (capabilities?.resources) {
      this.#watched.set('resources', {
        list: async () => (await remote.listResources(undefined, bypass)).resources,
        notify: () => server.sendResourceListChanged(),
        fingerprint: undefined,
      });
    }
  }

  /** What the local client was just given. */
  remember(kind: Kind, items: readonly unknown[]): void {
    const watched = this.#watched.get(kind);
    if (watched) watched.fingerprint = fingerprint(items);
  }

  /** Takes the first snapshot (before the local client connects). */
  snapshot(): Promise<void> {
    return this.#enqueue(false);
  }

  /** After a reconnect: list again and notify for what changed. Serialized; never throws. */
  check(): Promise<void> {
    return this.#enqueue(true);
  }

  #enqueue(notify: boolean): Promise<void> {
    this.#queue = this.#queue.then(() => this.#run(notify));
    return this.#queue;
  }

  async #run(notify: boolean): Promise<void> {
    for (const [kind, watched] of this.#watched) {
      try {
        const next = fingerprint(await watched.list());
        const changed = watched.fingerprint !== undefined && watched.fingerprint !== next;
        watched.fingerprint = next;
        if (notify && changed) {
          this.#logger.info(`the remote's ${kind} changed across the reconnect; notifying the local client`);
          await watched.notify();
        }
      } catch (error) {
        this.#logger.warn(`could not compare ${kind} after reconnect: ${describeError(error)}`);
      }
    }
  }
}
