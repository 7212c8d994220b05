/**
 * The console in a real browser against real servers: sign in, browse,
 * search, edit a context, diff, archive and restore, export, import into a
 * fresh store and compare, and the operations page after a SIGKILL restart.
 * Screenshots of the main pages are taken on the way (into docs/ with
 * UPDATE_SCREENSHOTS=1, otherwise into the test's temp dir).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { MANIFEST, type Manifest } from '../../src/apps/memory/transfer/manifest.js';
import { readZip } from '../../src/apps/memory/transfer/zip.js';
import { repoRoot } from '../../harness/paths.js';
import { startServer, type ServerProcess } from '../support/server-process.js';
import { KEYS, keyFiles, launchChromium, memoryClient, type MemoryClient } from './support.js';

function comparable(file: string): { manifest: Omit<Manifest, 'exportedAt'>; files: Record<string, string> } {
  const entries = readZip(readFileSync(file), { maxBytes: 1e8, maxEntries: 1e5 });
  const { exportedAt: _ignored, ...manifest } = JSON.parse(Buffer.from(entries.get(MANIFEST)!).toString('utf8')) as Manifest;
  const files: Record<string, string> = {};
  for (const [name, bytes] of entries) if (name !== MANIFEST) files[name] = Buffer.from(bytes).toString('utf8');
  return { manifest, files };
}

async function signIn(browser: Browser, base: string, key: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  await page.goto(`${base}/console`);
  assert.match(page.url(), /\/console\/login/, 'signed out: the console sends you to sign in');
  await page.fill('#key', key);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/console\/memory$/);
  return { context, page };
}

describe('the console in Chromium', () => {
  const keys = keyFiles();
  const shots = process.env.UPDATE_SCREENSHOTS === '1' ? join(repoRoot(), 'docs') : join(keys.dir, 'shots');
  mkdirSync(shots, { recursive: true });
  const servers: ServerProcess[] = [];
  const clients: MemoryClient[] = [];
  let browser: Browser | undefined;
  after(async () => {
    await browser?.close();
    for (const c of clients) await c.close().catch(() => {}); // the server may be gone already; nothing to lose
    for (const s of servers) await s.kill('SIGKILL');
    keys.remove();
  });
  const serve = async (store: string, port?: number) => {
    const server = await startServer({
      store,
      app: 'default',
      ...(port !== undefined && { port }),
      args: ['--api-keys-file', keys.keysFile, '--operators', 'ops'],
    });
    servers.push(server);
    return server;
  };

  test('sign in, browse, search, edit, diff, archive, restore, export, import elsewhere, and see a restart on the operations page', async (t) => {
    browser = await launchChromium();
    const storeA = `pglite:${join(keys.dir, 'store-a')}`;
    let a = await serve(storeA);
    const base = a.url.replace(/\/mcp$/, '');

    const alice = await memoryClient(a.url, KEYS.alice, 'claude-code');
    clients.push(alice);
    await alice.call('wake_up', { project: 'Website' });
    await alice.call('lock_context', { topic: 'Auth design', content: 'Sessions use JWT.\nTokens live 1 hour.', tags: ['security'] });
    await alice.call('lock_context', { topic: 'Auth design', content: 'Sessions use opaque tokens.\nTokens live 1 hour.\nRotate keys monthly.', priority: 'important', tags: ['security', 'backend'] });
    await alice.call('lock_context', { topic: 'Coding rules', content: '# Rules\n- Tabs, never spaces.\n- Every fix comes with a test.', priority: 'always_check' });
    await alice.call('lock_context', { topic: 'Release plan', content: 'Ship the console in December.', tags: ['planning'] });
    await alice.call('sleep', { summary: 'Reworked auth to opaque tokens.', next_steps: ['Review the key rotation'], open_questions: ['Who owns the runbook?'] });
    const bob = await memoryClient(a.url, KEYS.bob);
    clients.push(bob);
    await bob.call('wake_up', { project: 'Bob secret project' });
    await bob.call('lock_context', { topic: 'Private', content: 'only bob reads this' });

    // Sign in and browse: only alice's own projects.
    const { context, page } = await signIn(browser, base, KEYS.alice);
    assert.equal(await page.locator('table a', { hasText: 'Website' }).count(), 1);
    assert.equal(await page.getByText('Bob secret project').count(), 0, "another principal's project is not listed");
    await page.screenshot({ path: join(shots, 'console-projects.png'), fullPage: true });
    await page.click('text=Website');
    await page.waitForURL(/\/projects\/Website$/);
    assert.deepEqual(await page.locator('tbody tr td:first-child a').allTextContents(), ['Release plan', 'Coding rules', 'Auth design']);
    await page.screenshot({ path: join(shots, 'console-project.png'), fullPage: true });

    // Search ranks as search_contexts does, with highlighted snippets.
    await page.fill('input[name=q]', 'opaque tokens');
    await page.click('form[action$="/search"] button');
    await page.waitForURL(/\/search\?q=/);
    assert.equal(await page.locator('.card a b').first().textContent(), 'Auth design');
    assert.match((await page.locator('mark').allTextContents()).join(' '), /opaque/i);
    await page.screenshot({ path: join(shots, 'console-search.png'), fullPage: true });

    // Edit as a new version, then diff it against the previous one.
    await page.click('.card a:has-text("Auth design")');
    await page.waitForURL(/\/topic\?name=Auth/);
    await page.click('text=Edit (new version)');
    await page.waitForURL(/\/topic\/edit\?/);
    const edited = 'Sessions use opaque tokens.\nTokens live 30 minutes.\nRotate keys monthly.';
    await page.fill('#content', edited);
    await page.fill('#tags', 'security, backend, reviewed');
    await page.click('button:has-text("Save as v3")');
    await page.waitForURL(/saved=1/);
    assert.match(await page.locator('.notice').first().textContent() ?? '', /Saved as version 3/);
    assert.equal(await page.locator('pre.content').textContent(), edited, 'stored exactly, with LF line breaks');
    const recalled = await alice.call('recall_context', { topic: 'Auth design' });
    assert.deepEqual([recalled.version, recalled.content, recalled.tags], [3, edited, ['security', 'backend', 'reviewed']], 'the tools see the edit');
    await page.screenshot({ path: join(shots, 'console-topic.png'), fullPage: true });
    await page.click('text=Diff with v2');
    await page.waitForURL(/\/topic\/diff\?/);
    assert.deepEqual(await page.locator('.diff .del').allTextContents(), ['- Tokens live 1 hour.']);
    assert.deepEqual(await page.locator('.diff .add').allTextContents(), ['+ Tokens live 30 minutes.']);
    await page.screenshot({ path: join(shots, 'console-diff.png'), fullPage: true });

    // Archive the whole topic, find it under Archived, restore it.
    await page.goto(`${base}/console/memory/projects/Website/topic?name=Release%20plan`);
    await page.click('button:has-text("Archive topic")');
    await page.waitForURL(/\/topic\?name=Release/);
    assert.match(await page.locator('.notice').first().textContent() ?? '', /Every version of this topic is archived/);
    await page.goto(`${base}/console/memory/projects/Website/archived`);
    assert.deepEqual(await page.locator('tbody tr td:first-child a').allTextContents(), ['Release plan']);
    assert.ok(!JSON.stringify(await alice.call('list_contexts', {})).includes('Release plan'), 'archived through the same code as unlock_context');
    await page.click('text=Release plan');
    await page.click('button:has-text("Restore all")');
    await page.waitForURL(/\/topic\?name=Release/);
    assert.equal(await page.locator('.notice').count(), 0);
    assert.equal((await alice.call('recall_context', { topic: 'Release plan' })).current_version, 1);

    // Export the project as a zip.
    await page.goto(`${base}/console/memory/projects/Website`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export (zip)')]);
    const exported = join(keys.dir, 'website.zip');
    await download.saveAs(exported);
    assert.match(download.suggestedFilename(), /^memory-website-\d{4}-\d{2}-\d{2}\.zip$/);

    // Import it into a fresh store behind another server; export there and compare; import again: nothing changes.
    const b = await serve(`pglite:${join(keys.dir, 'store-b')}`);
    const other = await signIn(browser, b.url.replace(/\/mcp$/, ''), KEYS.alice);
    assert.match(await other.page.locator('.card').first().textContent() ?? '', /No projects yet/);
    await other.page.setInputFiles('input[type=file]', exported);
    await other.page.click('form[action$="/import"] button');
    await other.page.waitForURL(/\/memory\/import$/);
    assert.match(await other.page.locator('.sub').first().textContent() ?? '', /The file was imported/);
    await other.page.goto(`${b.url.replace(/\/mcp$/, '')}/console/memory/projects/Website`);
    const [again] = await Promise.all([other.page.waitForEvent('download'), other.page.click('text=Export (zip)')]);
    const reexported = join(keys.dir, 'website-b.zip');
    await again.saveAs(reexported);
    assert.deepEqual(comparable(reexported), comparable(exported), 'the fresh store holds exactly what was exported');
    await other.page.goto(`${b.url.replace(/\/mcp$/, '')}/console/memory`);
    await other.page.setInputFiles('input[type=file]', exported);
    await other.page.click('form[action$="/import"] button');
    await other.page.waitForURL(/\/memory\/import$/);
    assert.match(await other.page.locator('.sub').first().textContent() ?? '', /Nothing changed/);
    await other.context.close();

    // SIGKILL and restart server A on the same store; alice's client carries on and its session is rebuilt.
    const sessionId = alice.sessionId;
    await a.kill('SIGKILL');
    a = await serve(storeA, a.port);
    assert.equal((await alice.call('recall_context', { topic: 'Coding rules' })).version, 1);
    assert.equal(alice.sessionId, sessionId, 'the same session, no re-initialize');
    await a.waitForLog((l) => l.event === 'session_rehydrated' && l.sessionId === sessionId);

    // The sign-in survives the restart (the cookie secret lives in the store); alice is no operator.
    const res = await page.goto(`${base}/console/ops`);
    assert.equal(res?.status(), 403);
    await page.goto(`${base}/console/memory`);
    assert.match(page.url(), /\/console\/memory$/, 'still signed in after the restart');

    const ops = await signIn(browser, base, KEYS.ops);
    await ops.page.goto(`${base}/console/ops`);
    const stat = async (label: string) => Number(await ops.page.locator('.stat', { hasText: label }).locator('b').textContent());
    assert.equal(await stat('sessions rebuilt'), 1, 'the operations page shows the rebuilt session');
    assert.equal(await stat('sessions created'), 0, 'and no client had to create a new one');
    assert.match((await ops.page.locator('.chart', { hasText: 'Rebuilt' }).locator('svg').getAttribute('aria-label')) ?? '', /1$/);
    assert.ok(await ops.page.locator('td', { hasText: a.logs.find((l) => l.event === 'server_started')?.deploymentId as string }).count());
    await ops.page.screenshot({ path: join(shots, 'console-ops.png'), fullPage: true });
    await ops.context.close();
    await context.close();
  });
});
