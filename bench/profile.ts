/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): self time per function and
 * per area (an npm package, a Node core module family, a durable-mcp source
 * directory, GC, native), as a share of the non-idle time.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  name: string;
  selfMs: number;
  /** Share of busy (non-idle) time, %. */
  pct: number;
}

export interface ProfileSummary {
  wallMs: number;
  busyMs: number;
  functions: Hotspot[];
  areas: Hotspot[];
  /** durable-mcp's own functions by inclusive time (the function and everything it called). */
  durableInclusive: Hotspot[];
}

/** Where a frame lives, coarsely: the unit a fix would change. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(program)') return '(program: V8/native, unattributed)';
    if (functionName === '(idle)') return '(idle)';
    return '(native builtins)';
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.startsWith('node:')) {
    const parts = url.slice(5).split('/');
    return `node:${parts.slice(0, parts[0] === 'internal' ? 2 : 1).join('/')}`;
  }
  const src = url.lastIndexOf('/src/');
  if (src >= 0) {
    const parts = url.slice(src + 1).split('/');
    return `durable-mcp ${parts.slice(0, Math.min(3, parts.length - 1)).join('/')}`;
  }
  if (url.includes('/bench/')) return 'bench target code';
  return url;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const src = url.lastIndexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\/.*\/bench\//, 'bench/');
}

function rank(totals: Map<string, number>, busy: number, limit: number): Hotspot[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, selfMs: us / 1000, pct: (100 * us) / busy }));
}

/** Microseconds on the clock V8 stamps profiles with (CLOCK_MONOTONIC, shared by every process on the machine). */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * Self time of the samples taken inside `window` (monotonic µs; see
 * monotonicUs), so boot (PGlite's initdb, module loading) and session setup
 * stay out of a profile meant to show the steady state under load.
 */
export function summarizeProfile(path: string, window?: { fromUs: number; toUs: number }, limit = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (frame: CallFrame): string =>
    `${frame.functionName || '(anonymous)'}${frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ''}`;
  // Inclusive time of durable-mcp frames: each sample counts once per distinct frame on its stack.
  const inclusive = new Map<string, number>();
  let at = profile.startTime;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    first = Math.min(first, at);
    last = Math.max(last, at);
    const id = profile.samples[i]!;
    // timeDeltas[i + 1] is the time from sample i to the next one: the time spent where sample i was taken.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const frame = byId.get(n)?.callFrame;
      if (!frame || !areaOf(frame).startsWith('durable-mcp')) continue;
      const key = keyOf(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  }
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const area = areaOf(frame);
    if (area === '(idle)') continue;
    busy += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    const name = keyOf(frame);
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  return {
    wallMs: Number.isFinite(first) ? (last - first) / 1000 : 0,
    busyMs: busy / 1000,
    functions: rank(functions, busy, limit),
    areas: rank(areas, busy, limit),
    durableInclusive: rank(inclusive, busy, limit),
  };
}
