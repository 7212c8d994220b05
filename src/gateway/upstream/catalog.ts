/**
 * What the relay learns from the upstream's lists as they pass through: the
 * tool annotations that decide whether a call may be repeated (kept in the
 * client's ToolCatalog, the same rules the client uses), and a hash of the
 * first page of each list the client has seen, so that after a new upstream
 * session we can tell the client exactly which lists changed. Lists the
 * client never looked at are never fetched: nothing to notify about.
 */
import { createHash } from 'node:crypto';
import { isJSONRPCResultResponse, type JSONRPCResponse, type Tool, type ToolAnnotations } from '@modelcontextprotocol/client';
import { ToolCatalog } from '../../client/tool-catalog.js';
import type { ListKind, UpstreamSnapshot } from './types.js';

const LIST_METHODS: Readonly<Record<string, ListKind>> = { 'tools/list': 'tools', 'prompts/list': 'prompts', 'resources/list': 'resources' };

export function listKindOf(method: string): ListKind | undefined {
  return LIST_METHODS[method];
}

function hashOf(items: unknown): string {
  return createHash('sha256').update(JSON.stringify(items ?? null)).digest('base64url');
}

export class UpstreamCatalog {
  readonly #tools = new ToolCatalog();
  #annotations: Record<string, ToolAnnotations> = {};
  #hashes: Partial<Record<ListKind, string>> = {};

  constructor(snapshot?: Pick<UpstreamSnapshot, 'toolAnnotations' | 'listHashes'>) {
    if (!snapshot) return;
    this.#annotations = { ...snapshot.toolAnnotations };
    this.#hashes = { ...snapshot.listHashes };
    // Only the annotations are ever consulted; the schema is a placeholder that makes a valid Tool.
    const tools: Tool[] = Object.entries(this.#annotations).map(([name, annotations]) => ({ name, inputSchema: { type: 'object' }, annotations }));
    if (tools.length > 0) this.#tools.learn(tools, true);
  }

  get annotations(): Record<string, ToolAnnotations> {
    return this.#annotations;
  }

  get hashes(): Partial<Record<ListKind, string>> {
    return this.#hashes;
  }

  /** Kinds the client has seen, to compare on a new upstream session. */
  get seenKinds(): ListKind[] {
    return Object.keys(this.#hashes) as ListKind[];
  }

  tool(name: string): Tool | undefined {
    return this.#tools.get(name);
  }

  /** Whether a tools/list has been seen since the last change notice (a miss is then a real miss). */
  get fresh(): boolean {
    return this.#tools.fresh;
  }

  markStale(): void {
    this.#tools.markStale();
  }

  /**
   * Learns from a list response. `seen`: the client saw it (its hash becomes
   * the baseline); the gateway's own listings only refresh annotations.
   * Returns what changed: whether anything worth persisting did, and whether
   * the list differs from the baseline.
   */
  learn(method: string, params: Record<string, unknown> | undefined, response: JSONRPCResponse, seen: boolean): { persist: boolean; differs: boolean } {
    const kind = listKindOf(method);
    if (!kind || !isJSONRPCResultResponse(response)) return { persist: false, differs: kind !== undefined && this.#hashes[kind] !== undefined };
    const firstPage = params?.cursor === undefined;
    let persist = false;
    if (kind === 'tools' && Array.isArray(response.result.tools)) persist = this.#learnTools(response.result.tools as Tool[], firstPage);
    if (!firstPage) return { persist, differs: false };
    const hash = hashOf(response.result[kind]);
    const before = this.#hashes[kind];
    const differs = before !== undefined && before !== hash;
    if (seen || before !== undefined) {
      persist ||= before !== hash;
      this.#hashes[kind] = hash;
    }
    return { persist, differs };
  }

  #learnTools(tools: Tool[], firstPage: boolean): boolean {
    this.#tools.learn(tools, firstPage);
    const next: Record<string, ToolAnnotations> = firstPage ? {} : { ...this.#annotations };
    for (const tool of tools) next[tool.name] = tool.annotations ?? {};
    const changed = JSON.stringify(next) !== JSON.stringify(this.#annotations);
    this.#annotations = next;
    return changed;
  }
}
