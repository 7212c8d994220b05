/**
 * Export and import between two real stores of different engines
 * (PostgreSQL to PGlite), written through the real tools, compared through
 * a second export.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { strToU8, zipSync } from 'fflate';
import { exportMemory, sha256 } from '../../../src/apps/memory/transfer/export.js';
import { importMemory } from '../../../src/apps/memory/transfer/import.js';
import { MANIFEST, type Manifest } from '../../../src/apps/memory/transfer/manifest.js';
import { readZip } from '../../../src/apps/memory/transfer/zip.js';
import { MemoryError } from '../../../src/apps/memory/errors.js';
import { lockContext } from '../../../src/apps/memory/repo/contexts.js';
import { findProject } from '../../../src/apps/memory/repo/projects.js';
import { newPrincipal, openHarness, type Harness } from './support.js';

/** What two stores must agree on: everything in the manifest but the export time, and every file. */
function comparable(zip: Uint8Array): { manifest: Omit<Manifest, 'exportedAt'>; files: Record<string, string> } {
  const files = readZip(zip, { maxBytes: 1e8, maxEntries: 1e5 });
  const { exportedAt: _ignored, ...manifest } = JSON.parse(Buffer.from(files.get(MANIFEST)!).toString('utf8')) as Manifest;
  const texts: Record<string, string> = {};
  for (const [name, bytes] of files) if (name !== MANIFEST) texts[name] = Buffer.from(bytes).toString('utf8');
  return { manifest, files: texts };
}

describe('memory export and import', () => {
  let source: Harness;
  let target: Harness;
  const alice = newPrincipal('alice');
  const bob = newPrincipal('bob');

  before(async () => {
    [source, target] = await Promise.all([openHarness('postgres'), openHarness('pglite')]);
    const a = await source.connect(alice, 'claude-code');
    await a.ok('wake_up', { project: 'Website' });
    await a.ok('lock_context', { topic: 'Auth design', content: 'Use JWT.\n\n  kept exactly  ', tags: ['security'] });
    await a.ok('lock_context', { topic: 'auth design', content: 'Use opaque tokens.', priority: 'important', tags: ['security', 'backend'] });
    await a.ok('lock_context', { topic: 'Coding rules', content: '# Rules\n- tabs, never spaces', priority: 'always_check' });
    await a.ok('lock_context', { topic: 'old plan/ideas', content: 'first' });
    await a.ok('lock_context', { topic: 'old plan/ideas', content: 'second' });
    await a.ok('unlock_context', { topic: 'old plan/ideas', version: 2 });
    await a.ok('lock_context', { topic: 'Gone', content: 'archived whole' });
    await a.ok('unlock_context', { topic: 'Gone' });
    await a.ok('sleep', { summary: 'Did auth.', next_steps: ['ship it'], open_questions: ['who reviews?'] });
    await a.ok('sleep', { summary: 'Second handover.' });
    // Older stores hold equal consecutive versions (lock_context now returns the stored one instead): import keeps both.
    const website = (await findProject(source.store.db, alice, 'Website'))!;
    for (let i = 0; i < 2; i += 1) await lockContext(source.store.db, alice, website, { topic: 'Twice', content: 'same', tags: [], priority: 'reference', replay: true });
    await a.ok('wake_up', { project: 'Empty one' });
    const b = await source.connect(bob);
    await b.ok('wake_up', { project: 'Website' });
    await b.ok('lock_context', { topic: 'Bob only', content: 'not for alice' });
  });
  after(async () => {
    await Promise.all([source?.close(), target?.close()]);
    assert.deepEqual([...(source?.loggedErrors ?? []), ...(target?.loggedErrors ?? [])], []);
  });

  test('a principal exports as Markdown files plus a manifest; another principal is not in it', async () => {
    const { zip, manifest } = await exportMemory(source.store.db, { principal: alice });
    assert.deepEqual(manifest.projects.map((p) => p.name).sort(), ['Empty one', 'Website']);
    const { files } = comparable(zip);
    const website = manifest.projects.find((p) => p.name === 'Website')!;
    const auth = website.topics.find((t) => t.topic === 'Auth design')!;
    assert.deepEqual(auth.versions.map((v) => [v.version, v.priority, v.tags]), [[1, 'reference', ['security']], [2, 'important', ['security', 'backend']]]);
    assert.equal(files[auth.versions[0]!.file], 'Use JWT.\n\n  kept exactly  ', 'the Markdown file is the exact content');
    assert.match(auth.versions[0]!.file, /^alice-\d+-\d+\/website\/contexts\/auth-design\/v1\.md$/);
    assert.equal(auth.versions[0]!.sha256, sha256('Use JWT.\n\n  kept exactly  '));
    assert.deepEqual(website.topics.find((t) => t.topic === 'old plan/ideas')!.versions.map((v) => v.archived), [false, true]);
    assert.deepEqual(website.topics.find((t) => t.topic === 'Gone')!.versions.map((v) => v.archived), [true]);
    assert.deepEqual(website.handovers.map((h) => h.summary), ['Did auth.', 'Second handover.'], 'oldest first');
    assert.match(files[website.handovers[0]!.file]!, /## Next steps\n\n- ship it/);
    assert.ok(!Object.values(files).some((text) => text.includes('not for alice')));
  });

  test('import into a fresh store of the other engine reproduces the export; importing it again changes nothing', async () => {
    const { zip } = await exportMemory(source.store.db, { principal: alice });
    const first = await importMemory(target.store.db, zip);
    assert.equal(first.changed, true);
    const website = first.projects.find((p) => p.name === 'Website')!;
    assert.deepEqual(
      [website.created, website.versionsImported, website.versionsArchived, website.handoversImported, website.conflicts],
      [true, 8, 2, 2, []],
    );
    assert.deepEqual(comparable((await exportMemory(target.store.db, { principal: alice })).zip), comparable(zip));

    const second = await importMemory(target.store.db, zip);
    assert.equal(second.changed, false, JSON.stringify(second));
    assert.deepEqual(second.projects.find((p) => p.name === 'Website')!.versionsPresent, 8);
    assert.deepEqual(comparable((await exportMemory(target.store.db, { principal: alice })).zip), comparable(zip));

    // The tools see the imported memory as their own: counters, current versions, search, wake_up.
    const s = await target.connect(alice, 'claude-code');
    const woken = await s.ok('wake_up', { project: 'website' });
    assert.deepEqual(woken.counts, { contexts: 4, archived_contexts: 1, versions: 8, archived_versions: 2, handovers: 2 });
    assert.deepEqual((await s.ok('recall_context', { topic: 'Twice' })).versions.map((v: { version: number }) => v.version), [2, 1]);
    assert.equal(woken.handover.summary, 'Second handover.');
    assert.equal(woken.always_check[0].content, '# Rules\n- tabs, never spaces');
    assert.equal((await s.ok('search_contexts', { query: 'opaque' })).results[0].topic, 'Auth design');
    assert.equal((await s.ok('restore_context', { topic: 'Gone' })).current_version, 1);
  });

  test('re-importing into the store it came from changes nothing (timestamps compared as exported)', async () => {
    const { zip } = await exportMemory(source.store.db, {});
    const report = await importMemory(source.store.db, zip);
    assert.equal(report.changed, false, JSON.stringify(report));
    assert.ok(report.projects.some((p) => p.principal === bob), 'the whole-store export holds every principal');
  });

  test('a topic that diverged is reported as a conflict and left alone; --as maps one principal to another', async () => {
    const { zip } = await exportMemory(source.store.db, { principal: alice, project: 'website' });
    const carol = newPrincipal('carol');
    const c = await target.connect(carol);
    await c.ok('wake_up', { project: 'Website' });
    await c.ok('lock_context', { topic: 'Auth design', content: 'Something else entirely.' });
    const report = await importMemory(target.store.db, zip, { as: carol });
    const website = report.projects[0]!;
    assert.equal(website.principal, carol);
    assert.deepEqual(website.conflicts.map((x) => x.topic), ['Auth design']);
    assert.equal(website.versionsImported, 6, 'the other topics were imported');
    assert.equal((await c.ok('recall_context', { topic: 'Auth design' })).content, 'Something else entirely.');
    const again = await importMemory(target.store.db, zip, { as: carol });
    assert.equal(again.changed, false);

    const everyone = (await exportMemory(source.store.db, {})).zip;
    await assert.rejects(importMemory(target.store.db, everyone, { as: carol }), /memory of 2 principals/);
  });

  test('bad archives are refused with a readable reason before anything is written', async () => {
    const before = comparable((await exportMemory(target.store.db, {})).zip);
    const { zip, manifest } = await exportMemory(source.store.db, { principal: alice });
    const files = readZip(zip, { maxBytes: 1e8, maxEntries: 1e5 });
    const rezip = (edit: (entries: Record<string, Uint8Array>) => void): Uint8Array => {
      const entries = Object.fromEntries(files);
      edit(entries);
      return zipSync(entries);
    };
    const file = manifest.projects[0]!.topics[0]!.versions[0]!.file;
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['not a zip', strToU8('hello'), /not a readable zip/],
      ['no manifest', rezip((e) => delete e[MANIFEST]), /no manifest\.json/],
      ['manifest not JSON', rezip((e) => (e[MANIFEST] = strToU8('{'))), /not valid JSON/],
      ['wrong format', rezip((e) => (e[MANIFEST] = strToU8('{"format":"x"}'))), /not a durable-mcp memory export/],
      ['edited content', rezip((e) => (e[file] = strToU8('tampered'))), /does not match its sha256/],
      ['missing content', rezip((e) => delete e[file]), /is missing from the archive/],
      ['not UTF-8', rezip((e) => (e[file] = new Uint8Array([0xff, 0xfe]))), /not valid UTF-8/],
      [
        'path escape',
        rezip((e) => (e[MANIFEST] = strToU8(JSON.stringify({ ...manifest, projects: [{ ...manifest.projects[0], topics: [{ topic: 'x', versions: [{ ...manifest.projects[0]!.topics[0]!.versions[0], file: '../x.md' }] }] }] })))),
        /file paths/,
      ],
    ];
    for (const [name, bytes, message] of cases) {
      await assert.rejects(importMemory(target.store.db, bytes), (error: unknown) => {
        assert.ok(error instanceof MemoryError, `${name}: ${String(error)}`);
        assert.match(error.message, message, name);
        return true;
      });
    }
    await assert.rejects(importMemory(target.store.db, zip, { limits: { maxBytes: 100, maxEntries: 1000 } }), /too large/);
    assert.deepEqual(comparable((await exportMemory(target.store.db, {})).zip), before, 'nothing was written');
  });
});
