/**
 * Memory of a process and all its descendants (an embedded PostgreSQL and its
 * backends included), from /proc: PSS (proportional set size: shared pages
 * divided among the processes sharing them, so summing over a tree counts
 * each page once) and RSS (each process's resident pages, shared ones counted
 * in every process). Linux only; NaN elsewhere.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface TreeMemory {
  pssMiB: number;
  rssMiB: number;
  processes: number;
}

function parentOf(pid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields resume after the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [root];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOf(entry);
    if (parent === undefined) continue;
    const list = children.get(parent) ?? [];
    list.push(Number(entry));
    children.set(parent, list);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

export function treeMemory(root: number): TreeMemory {
  let pssKiB = 0;
  let rssKiB = 0;
  let processes = 0;
  for (const pid of descendantsOf(root)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      pssKiB += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? NaN);
      rssKiB += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? NaN);
      processes += 1;
    } catch {
      // Exited between the listing and the read (or not Linux).
    }
  }
  if (processes === 0) return { pssMiB: NaN, rssMiB: NaN, processes: 0 };
  return { pssMiB: pssKiB / 1024, rssMiB: rssKiB / 1024, processes };
}
