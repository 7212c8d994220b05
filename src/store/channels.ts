/**
 * LISTEN bookkeeping shared by both engines: which handlers want which
 * channel. One engine connection serves every channel; this decides when a
 * channel needs LISTEN/UNLISTEN and fans payloads out.
 */
import type { ListenHandlers } from './database.js';

export type HandlerErrorSink = (error: unknown, channel: string) => void;

export class ChannelRegistry {
  readonly #channels = new Map<string, Set<ListenHandlers>>();
  readonly #onHandlerError: HandlerErrorSink;

  constructor(onHandlerError: HandlerErrorSink) {
    this.#onHandlerError = onHandlerError;
  }

  /** Registers the handlers; true when the channel had none (so the engine must LISTEN). */
  add(channel: string, handlers: ListenHandlers): boolean {
    let set = this.#channels.get(channel);
    const first = set === undefined;
    if (!set) this.#channels.set(channel, (set = new Set()));
    set.add(handlers);
    return first;
  }

  /** Unregisters; true when the channel has no handlers left (so the engine may UNLISTEN). */
  remove(channel: string, handlers: ListenHandlers): boolean {
    const set = this.#channels.get(channel);
    if (!set || !set.delete(handlers)) return false;
    if (set.size > 0) return false;
    this.#channels.delete(channel);
    return true;
  }

  has(channel: string): boolean {
    return this.#channels.has(channel);
  }

  channels(): string[] {
    return [...this.#channels.keys()];
  }

  deliver(channel: string, payload: string): void {
    const set = this.#channels.get(channel);
    if (!set) return;
    for (const handlers of set) this.#call(channel, () => handlers.onPayload(payload));
  }

  disconnected(error: Error): void {
    for (const [channel, set] of this.#channels) {
      for (const handlers of set) this.#call(channel, () => handlers.onDisconnect?.(error));
    }
  }

  reconnected(): void {
    for (const [channel, set] of this.#channels) {
      for (const handlers of set) this.#call(channel, () => handlers.onReconnect?.());
    }
  }

  clear(): void {
    this.#channels.clear();
  }

  // A throwing subscriber must not stop delivery to the others nor break the engine's connection handling.
  #call(channel: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#onHandlerError(error, channel);
    }
  }
}
