/** The machine the numbers came from: they mean little without it. */
import { readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  memoryGiB: number;
  kernel: string;
  date: string;
}

export function describeMachine(): Machine {
  let cpuModel = 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux: leave it unknown rather than guess.
  }
  return {
    nproc: availableParallelism(),
    cpuModel,
    node: process.version,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}
