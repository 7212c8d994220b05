/**
 * What grew between two V8 heap snapshots: self sizes summed per kind of
 * object (constructor name for objects, function name for closures, one bucket
 * each for strings, arrays, code, shapes...), then after minus before.
 */
import { readFileSync } from 'node:fs';

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const BUCKETED = new Set(['string', 'concatenated string', 'sliced string', 'array', 'code', 'hidden', 'number', 'object shape', 'bigint', 'symbol']);

/** Bytes per kind of heap object. */
export function heapByKind(path: string): Map<string, number> {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as RawSnapshot;
  const fields = raw.snapshot.meta.node_fields;
  const types = raw.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const sizes = new Map<string, number>();
  for (let i = 0; i < raw.nodes.length; i += width) {
    const type = types[raw.nodes[i + typeAt]!] ?? '?';
    const name = raw.strings[raw.nodes[i + nameAt]!] ?? '?';
    const key = BUCKETED.has(type) ? `(${type.includes('string') ? 'string' : type})` : type === 'closure' ? `closure ${name || '(anonymous)'}` : name || `(${type})`;
    sizes.set(key, (sizes.get(key) ?? 0) + raw.nodes[i + sizeAt]!);
  }
  return sizes;
}

export interface Growth {
  kind: string;
  bytes: number;
}

/** Kinds that grew the most from `before` to `after`, largest first. */
export function heapGrowth(before: string, after: string, top = 12): Growth[] {
  const a = heapByKind(before);
  const b = heapByKind(after);
  const growth: Growth[] = [];
  for (const [kind, bytes] of b) growth.push({ kind: kind.slice(0, 80), bytes: bytes - (a.get(kind) ?? 0) });
  return growth.sort((x, y) => y.bytes - x.bytes).slice(0, top);
}
