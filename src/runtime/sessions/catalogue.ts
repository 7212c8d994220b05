import { createHash } from 'node:crypto';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { internalRequest, responseOf, type InternalTarget } from './internal-request.js';

export type ListKind = 'tools' | 'prompts' | 'resources';

/**
 * What a session's server offers, listed once when the session is built:
 * a hash per list (to notice that a deploy changed it) and the tool
 * annotations (to tell, at a drain deadline, whether repeating a call is safe).
 */
export class Catalogue {
  constructor(
    readonly hashes: Record<ListKind, string>,
    private readonly annotations: ReadonlyMap<string, { readOnlyHint?: boolean; idempotentHint?: boolean }>,
  ) {}

  isSafeToRepeat(tool: string | undefined): boolean {
    const a = tool === undefined ? undefined : this.annotations.get(tool);
    return a?.readOnlyHint === true || a?.idempotentHint === true;
  }

  /** Lists whose hash differs from `previous` (missing previous hashes count as unchanged). */
  changedSince(previous: Partial<Record<ListKind, string>> | undefined): ListKind[] {
    if (!previous) return [];
    return (['tools', 'prompts', 'resources'] as const).filter((k) => previous[k] !== undefined && previous[k] !== this.hashes[k]);
  }
}

export async function listCatalogue(target: InternalTarget, authInfo: AuthInfo | undefined): Promise<Catalogue> {
  const hashes = {} as Record<ListKind, string>;
  const annotations = new Map<string, { readOnlyHint?: boolean; idempotentHint?: boolean }>();
  for (const kind of ['tools', 'prompts', 'resources'] as const) {
    const response = await internalRequest(target, { jsonrpc: '2.0', id: `durable-mcp/catalogue/${kind}`, method: `${kind}/list` }, true, authInfo);
    const message = await responseOf(response);
    // An app without prompts or resources answers method-not-found: that is an empty list.
    const items = (message?.result?.[kind] as Array<Record<string, unknown>> | undefined) ?? [];
    hashes[kind] = createHash('sha256').update(JSON.stringify(items)).digest('base64url').slice(0, 16);
    if (kind === 'tools') {
      for (const tool of items) {
        if (typeof tool.name === 'string') annotations.set(tool.name, (tool.annotations as { readOnlyHint?: boolean; idempotentHint?: boolean }) ?? {});
      }
    }
  }
  return interned(new Catalogue(hashes, annotations));
}

/**
 * Sessions of one build list the same catalogue: they share one instance
 * (equal hashes mean equal lists, annotations included), so the live cache
 * does not hold a copy per session. Bounded: a handful of builds or
 * per-principal tool sets at most are live at once.
 */
const shared = new Map<string, Catalogue>();
const MAX_SHARED = 32;

function interned(catalogue: Catalogue): Catalogue {
  const key = `${catalogue.hashes.tools}.${catalogue.hashes.prompts}.${catalogue.hashes.resources}`;
  const known = shared.get(key);
  if (known) return known;
  if (shared.size >= MAX_SHARED) shared.delete(shared.keys().next().value!);
  shared.set(key, catalogue);
  return catalogue;
}
