/**
 * Preloaded into a benchmarked server (`node --expose-gc --import heap.js`):
 * on SIGUSR2 it forces a full garbage collection, prints the process's memory
 * as one `HEAP_PROBE {...}` line on stderr and, when HEAP_PROBE_SNAPSHOTS names
 * a directory, writes a heap snapshot there. The servers themselves are not
 * changed, so the plain-SDK targets are measured exactly as they are.
 */
import { writeHeapSnapshot } from 'node:v8';
import { join } from 'node:path';

let count = 0;
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    process.stderr.write('HEAP_PROBE {"error":"run with --expose-gc"}\n');
    return;
  }
  // Twice: the first pass runs finalizers and weak callbacks that free more on the second.
  gc();
  gc();
  const memory = process.memoryUsage();
  const dir = process.env.HEAP_PROBE_SNAPSHOTS;
  const snapshot = dir ? writeHeapSnapshot(join(dir, `${process.pid}-${++count}.heapsnapshot`)) : undefined;
  process.stderr.write(`HEAP_PROBE ${JSON.stringify({ ...memory, ...(snapshot && { snapshot }) })}\n`);
});
