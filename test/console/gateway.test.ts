/**
 * The console of `durable-mcp gateway`, against real processes: an SDK v2
 * upstream (sessions in memory, 404 for a lost one) behind a real gateway
 * with API keys, a stock SDK client calling through it, and a real SIGKILL of
 * the upstream in the middle of a write. The operations page in Chromium then
 * shows the upstream's re-initialization (when, why), the unknown outcome and
 * its reachability; the gateway's console has no memory pages and says so,
 * with the same sign-in, CSRF and bad-input answers as `serve`'s. A
 * screenshot goes into docs/ with UPDATE_SCREENSHOTS=1.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { repoRoot } from '../../harness/paths.js';
import { killAll } from '../../harness/process.js';
import { waitFor } from '../../harness/timeout.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startServer } from '../support/server-process.js';
import { connectV2, GatewayProcess, textOf } from '../gateway/support/gateway.js';
import { UpstreamFixture } from '../gateway/support/upstreams.js';
import { ConsoleClient } from './http-client.js';
import { KEYS, keyFiles, launchChromium } from './support.js';

after(killAll);

describe('the console of a gateway', { timeout: 240_000 }, () => {
  const keys = keyFiles();
  const shots = process.env.UPDATE_SCREENSHOTS === '1' ? join(repoRoot(), 'docs') : join(keys.dir, 'shots');
  mkdirSync(shots, { recursive: true });
  let db: TestDatabase | undefined;
  let upstream: UpstreamFixture | undefined;
  let gateway: GatewayProcess | undefined;
  let browser: Browser | undefined;
  after(async () => {
    await browser?.close();
    await gateway?.kill();
    await upstream?.dispose();
    await db?.drop();
    keys.remove();
  });

  test('operations only, said so; the upstream after a SIGKILL restart: re-initialized (when, why), one unknown outcome, reachable', async () => {
    db = await createTestDatabase();
    upstream = await UpstreamFixture.start('sdk-v2-404');
    gateway = await GatewayProcess.start({ store: db.url, args: ['--upstream', upstream.url, '--api-keys-file', keys.keysFile, '--operators', 'ops'] });
    const base = gateway.url.replace(/\/mcp$/, '');

    // A client's key opens no memory here, and no operations either: a page saying so, not a loop back to sign-in.
    const alice = new ConsoleClient(base);
    assert.match((await alice.get('/console/login')).body, /operations only/);
    await alice.post('/console/login', { key: KEYS.alice, next: '/console' });
    const home = await alice.get('/console');
    assert.equal(home.status, 403, `GET /console for a signed-in non-operator: ${home.status} ${home.location ?? ''}`);
    assert.match(home.body, /durable gateway: its console shows operations only.*--operators/s);
    const memory = await alice.get('/console/memory');
    assert.equal(memory.status, 404);
    assert.match(memory.body, /durable gateway: its console shows operations only/);
    assert.equal((await alice.get('/console/ops')).status, 403);
    assert.equal((await alice.post('/console/logout', { _csrf: undefined })).status, 403, 'forms need their CSRF token, as on serve');
    assert.equal((await alice.post('/console/logout', {})).status, 303);

    // Through the gateway: a write, then one cut by a SIGKILL of the upstream (outcome unknown), then the upstream restarts.
    const { client } = await connectV2(gateway.url, 'console-gateway-client', { authorization: `Bearer ${KEYS.alice}` });
    try {
      assert.equal(textOf(await client.callTool({ name: 'append', arguments: { line: 'before' } })), 'appended before');
      const cut = client.callTool({ name: 'slow_append', arguments: { line: 'cut', ms: 20_000 } }).then(
        () => assert.fail('a write cut by the upstream crash must not succeed'),
        (error: unknown) => String(error),
      );
      await waitFor(() => upstream!.count('call', { tool: 'slow_append' }) === 1, 15_000, 'slow_append running upstream');
      await upstream.kill();
      assert.match(await cut, /may or may not have run/);
      await upstream.restart();
      assert.equal(textOf(await client.callTool({ name: 'append', arguments: { line: 'after' } })), 'appended after');
    } finally {
      await client.close().catch(() => undefined); // the gateway keeps the session; nothing to lose here
    }
    const recreated = await gateway.process.waitForLog((l) => l.event === 'upstream_session_recreated');
    const reason = String(recreated.reason);
    assert.ok(['not-found', 'stream-rejected'].includes(reason), reason);
    assert.deepEqual(upstream.writes(), ['before', 'after'], 'the cut write never ran again');

    // /upstreams says the same as the page will.
    const listed = (await (await fetch(`${base}/upstreams`, { headers: { authorization: `Bearer ${KEYS.ops}` } })).json()) as {
      upstreams: Array<Record<string, unknown> & { lastReinitialization?: { reason: string; generation: number } }>;
    };
    const [listedDefault] = listed.upstreams;
    assert.equal(listedDefault?.status, 'reachable');
    assert.equal(listedDefault?.unknownOutcomes, 1);
    assert.deepEqual([listedDefault?.lastReinitialization?.reason, listedDefault?.lastReinitialization?.generation], [reason, 2]);

    // The operator's page in a real browser.
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await page.goto(`${base}/console`);
    assert.match(page.url(), /\/console\/login/);
    await page.fill('#key', KEYS.ops);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/ops$/);
    assert.equal(await page.locator('header.top a', { hasText: 'Memory' }).count(), 0, 'no memory pages on a gateway');
    assert.match((await page.locator('.notice.gateway').textContent()) ?? '', /durable gateway: its console shows operations only/);
    const card = page.locator('.upstream[data-upstream="default"]');
    assert.equal(await card.locator('.badge').textContent(), 'reachable');
    assert.match((await card.locator('.sub').textContent()) ?? '', new RegExp(`/mcp .*${upstream.url.replace(/[/.]/g, '\\$&')}`));
    const stat = async (label: string) => Number(await card.locator('.stat', { hasText: label }).locator('b').textContent());
    assert.equal(await stat('upstream re-initializations'), 1, 'one upstream restart, one re-initialization (one front session)');
    assert.equal(await stat('unknown outcomes'), 1);
    const last = (await card.locator('.last-reinitialization').textContent()) ?? '';
    assert.match(last, new RegExp(`UTC: ${reason}, .*restarted.*A new upstream session \\(#2 of that front session\\) took over in [\\d.]+ ms\\.`));
    assert.match((await card.locator('.last-unknown-outcome').textContent()) ?? '', /slow_append was cut off; it may have run/);
    assert.equal(Number(await page.locator('.stat', { hasText: 'sessions created' }).first().locator('b').textContent()), 1, 'the front session');
    await page.screenshot({ path: join(shots, 'console-gateway.png'), fullPage: true });
    await context.close();
  });

  test('--no-console serves none on the gateway either', async () => {
    assert.ok(db && upstream, 'runs after the first test');
    const off = await startServer({ command: 'gateway', store: db.url, args: ['--upstream', upstream.url, '--no-console'] });
    try {
      const res = await fetch(off.url.replace(/\/mcp$/, '/console'));
      assert.equal(res.status, 404);
      assert.match(await res.text(), /the MCP endpoint is \/mcp/);
      assert.equal(off.readyLine?.consoleUrl, undefined);
    } finally {
      await off.kill('SIGKILL');
    }
  });
});
