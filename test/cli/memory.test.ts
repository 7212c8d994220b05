/** `durable-mcp memory export|import` as a user runs them: real child processes, PostgreSQL to PGlite and back. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { memoryApp } from '../../src/apps/memory/index.js';
import { archiveVersions, lockContext } from '../../src/apps/memory/repo/contexts.js';
import { saveHandover } from '../../src/apps/memory/repo/handovers.js';
import { ensureProject } from '../../src/apps/memory/repo/projects.js';
import { MANIFEST, type Manifest } from '../../src/apps/memory/transfer/manifest.js';
import { readZip } from '../../src/apps/memory/transfer/zip.js';
import { openStore } from '../../src/store/index.js';
import { createTestDatabase, tempDir, type TestDatabase } from '../support/postgres.js';
import { CLI } from '../support/server-process.js';

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function manifestOf(file: string): Omit<Manifest, 'exportedAt'> {
  const { exportedAt: _ignored, ...rest } = JSON.parse(Buffer.from(readZip(readFileSync(file), { maxBytes: 1e8, maxEntries: 1e5 }).get(MANIFEST)!).toString('utf8')) as Manifest;
  return rest;
}

describe('durable-mcp memory export|import', () => {
  let db: TestDatabase | undefined;
  const dir = tempDir('dmcp-memory-cli-');
  after(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('moves every principal from PostgreSQL to a fresh PGlite store; a second import changes nothing', async () => {
    db = await createTestDatabase();
    const store = await openStore({ url: db.url });
    await store.migrate(memoryApp.name, memoryApp.migrations ?? []);
    for (const principal of ['alice', 'bob']) {
      const project = await ensureProject(store.db, principal, `${principal}'s project`);
      await lockContext(store.db, principal, project, { topic: 'Notes', content: `first by ${principal}`, tags: ['a'], priority: 'reference' });
      await lockContext(store.db, principal, project, { topic: 'Notes', content: `second by ${principal}`, tags: [], priority: 'important' });
      await lockContext(store.db, principal, project, { topic: 'Old', content: 'obsolete', tags: [], priority: 'reference' });
      await archiveVersions(store.db, principal, project, 'Old', 'all');
      await saveHandover(store.db, { principal, clientName: 'cli-test' }, project, { summary: 'handover', nextSteps: ['next'], openQuestions: [] });
    }
    await store.close();

    const first = join(dir, 'all.zip');
    const exported = await cli(['memory', 'export', '--store', db.url, '--out', first]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /exported 2 project\(s\), 6 version\(s\), 2 handover\(s\)/);

    const pglite = `pglite:${join(dir, 'target')}`;
    const imported = await cli(['memory', 'import', '--store', pglite, first]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /alice\/alice's project \(new project\): 3 version\(s\) imported/);
    const again = await cli(['memory', 'import', '--store', pglite, first]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing to import: everything in the file was already there/);

    const back = join(dir, 'back.zip');
    assert.equal((await cli(['memory', 'export', '--store', pglite, '--out', back])).code, 0);
    assert.deepEqual(manifestOf(back), manifestOf(first));

    const one = join(dir, 'one.zip');
    assert.equal((await cli(['memory', 'export', '--store', pglite, '--principal', 'bob', '--project', "BOB'S PROJECT", '--out', one])).code, 0);
    assert.deepEqual(manifestOf(one).projects.map((p) => [p.principal, p.name]), [['bob', "bob's project"]]);
  });

  test('mistakes get a message and a non-zero exit, never a stack trace', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['memory', 'export', '--store', 'pglite:memory'], /--out <file.zip> is required/],
      [['memory', 'export', '--store', 'pglite:memory', '--project', 'x', '--out', join(dir, 'x.zip')], /--project needs --principal/],
      [['memory', 'import', '--store', 'pglite:memory'], /exactly one file/],
      [['memory', 'import', '--store', 'pglite:memory', join(dir, 'missing.zip')], /ENOENT|no such file/],
      [['memory', 'frobnicate'], /unknown action 'frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const out = await cli(args);
      assert.notEqual(out.code, 0, args.join(' '));
      assert.match(out.stderr, message, args.join(' '));
      assert.doesNotMatch(out.stderr, /\n\s+at /, 'no stack trace');
    }
    const notZip = join(dir, 'not.zip');
    writeFileSync(notZip, 'hello');
    const bad = await cli(['memory', 'import', '--store', `pglite:${join(dir, 'bad-target')}`, notZip]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not a readable zip archive/);
  });
});
