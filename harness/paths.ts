import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled CLI, resolved from this compiled file (dist/harness/ -> dist/src/cli/main.js), so any outDir works. */
export const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** The repository root: the nearest directory above this compiled file with durable-mcp's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'durable-mcp') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no durable-mcp package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}
