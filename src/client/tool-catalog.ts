/**
 * What the client knows about the server's tools, learned from every
 * tools/list that passes through it. Used for one decision only: whether a
 * tool may be called again when the outcome of a call is unknown.
 */
import type { Tool } from '@modelcontextprotocol/client';

export class ToolCatalog {
  readonly #tools = new Map<string, Tool>();
  #listed = false;

  /** Whether any tools/list has been seen since the last change notice. */
  get fresh(): boolean {
    return this.#listed;
  }

  get(name: string): Tool | undefined {
    return this.#tools.get(name);
  }

  /** A complete list replaces what we knew; a page (with a cursor) only adds to it. */
  learn(tools: readonly Tool[], complete: boolean): void {
    if (complete) this.#tools.clear();
    for (const tool of tools) this.#tools.set(tool.name, tool);
    this.#listed = true;
  }

  /** After notifications/tools/list_changed or a reconnect: keep the old entries, but refresh before relying on a miss. */
  markStale(): void {
    this.#listed = false;
  }
}
