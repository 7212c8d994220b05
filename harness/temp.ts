import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();
// A PGlite directory weighs ~40 MB. Each goes when the process that made it exits (a test file's process, after
// its `after` hooks stopped the servers using it), and scripts/test.mjs fails a run that leaves anything behind.
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed when this process exits (or earlier, by `removeTempDir`). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix.replace(/[^A-Za-z0-9_-]/g, '-').replace(/-+$/, '')}-`));
  made.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  made.delete(dir);
}
