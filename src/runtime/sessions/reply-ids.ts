import type { RequestId } from '@modelcontextprotocol/server';

/**
 * Server-to-client request ids (sampling, elicitation, roots) are numbered per
 * SDK server instance, so two instances serving one session would both send
 * id 0. Outgoing ids are therefore prefixed with the instance that is waiting
 * for the answer; the client echoes the id, and whichever instance receives
 * the reply knows where to send it, and that instance restores the original.
 */
const SEP = '~';

export function tagRequestId(instanceId: string, id: RequestId): string {
  return `${instanceId}${SEP}${typeof id === 'number' ? 'n' : 's'}:${id}`;
}

export function parseRequestTag(id: unknown): { instanceId: string; id: RequestId } | undefined {
  if (typeof id !== 'string') return undefined;
  const sep = id.indexOf(SEP);
  if (sep <= 0) return undefined;
  const kind = id.slice(sep + 1, sep + 3);
  const raw = id.slice(sep + 3);
  if (kind === 'n:') {
    const n = Number(raw);
    return Number.isSafeInteger(n) ? { instanceId: id.slice(0, sep), id: n } : undefined;
  }
  return kind === 's:' ? { instanceId: id.slice(0, sep), id: raw } : undefined;
}
