import { readFileSync } from 'node:fs';

/** The package version, read once at startup from the nearest durable-mcp package.json above this file. */
function readVersion(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'durable-mcp' && pkg.version) return pkg.version;
    } catch {
      // not here: keep walking up
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
