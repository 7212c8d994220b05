// Makes a fresh clone runnable with a single command: installs the locked
// dependencies when they are missing or stale, then compiles TypeScript.
// `npm start` and `npm test` both run this first, so the README's quick start
// needs no separate install or build step.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stampFile = `${root}node_modules/.durable-mcp-lock`;
const lockHash = createHash('sha256').update(readFileSync(`${root}package-lock.json`)).digest('hex');

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`durable-mcp: '${cmd} ${args.join(' ')}' failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

const installed = existsSync(stampFile) && readFileSync(stampFile, 'utf8') === lockHash;
if (!installed) {
  console.error('durable-mcp: installing locked dependencies (npm ci)...');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  writeFileSync(stampFile, lockHash);
}
// A package is built from nothing: compiled files of sources deleted since the last build must not ship.
if (process.argv.includes('--clean')) rmSync(`${root}dist`, { recursive: true, force: true });
run(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', root]);
