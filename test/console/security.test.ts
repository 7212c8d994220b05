/**
 * The console's access rules and bad-input answers, over real HTTP against a
 * real server (in this process, on PostgreSQL) wired exactly as `serve` wires
 * it, with memory written by a real MCP client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { memoryApp } from '../../src/apps/memory/index.js';
import { LIMITS } from '../../src/apps/memory/limits.js';
import { consoleMount } from '../../src/cli/console.js';
import { listen, type Listening } from '../../src/node/listen.js';
import { parseApiKeys, type ApiKey } from '../../src/runtime/auth/api-keys.js';
import { createDurableServer } from '../../src/runtime/server.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startServer } from '../support/server-process.js';
import { ConsoleClient } from './http-client.js';
import { KEYS, memoryClient } from './support.js';

const KEY_TEXT = Object.entries(KEYS).map(([p, k]) => `${p}:${k}`).join(',');

interface Running {
  base: string;
  mcp: string;
  close(): Promise<void>;
}

async function serveWithConsole(store: Store, apiKeys: ApiKey[], secureCookies = false): Promise<Running> {
  const logger = pino({ level: 'silent' });
  const server = await createDurableServer({
    app: memoryApp,
    store,
    logger,
    apiKeys,
    deploymentId: 'dep-security',
    mounts: { '/console': consoleMount({ app: memoryApp, apiKeys, operators: ['ops'], secureCookies, logger }) },
  });
  const listening: Listening = await listen(server, { host: '127.0.0.1', port: 0 });
  return {
    base: listening.url.replace(/\/mcp$/, ''),
    mcp: listening.url,
    async close() {
      await listening.close();
      await server.close({ graceMs: 0 });
    },
  };
}

describe('console security', () => {
  let db: TestDatabase;
  let store: Store;
  let keyed: Running;
  const keys = parseApiKeys(KEY_TEXT, 'test', /,/);

  before(async () => {
    db = await createTestDatabase();
    store = await openStore({ url: db.url });
    keyed = await serveWithConsole(store, keys);
    const alice = await memoryClient(keyed.mcp, KEYS.alice);
    await alice.call('wake_up', { project: 'Alpha' });
    await alice.call('lock_context', { topic: 'Secret plan', content: 'alice only' });
    await alice.close();
    const bob = await memoryClient(keyed.mcp, KEYS.bob);
    await bob.call('wake_up', { project: 'Beta' });
    await bob.close();
  });
  after(async () => {
    await keyed?.close();
    await store?.close();
    await db?.drop();
  });

  test('cookies are HttpOnly, SameSite=Strict and scoped to /console; Secure when asked (non-loopback)', async () => {
    const anon = new ConsoleClient(keyed.base);
    const login = await anon.get('/console/login');
    assert.match(login.setCookie ?? '', /HttpOnly/);
    assert.match(login.setCookie ?? '', /SameSite=Strict/);
    assert.match(login.setCookie ?? '', /Path=\/console/);
    assert.doesNotMatch(login.setCookie ?? '', /Secure/, 'plain HTTP on loopback');
    const secure = await serveWithConsole(store, keys, true);
    try {
      assert.match((await new ConsoleClient(secure.base).get('/console/login')).setCookie ?? '', /; Secure/);
    } finally {
      await secure.close();
    }
  });

  test('signed out: pages send you to sign in, forms are refused, a wrong key is refused without a hint', async () => {
    const anon = new ConsoleClient(keyed.base);
    const page = await anon.get('/console/memory/projects/Alpha');
    assert.equal(page.status, 303);
    assert.equal(page.location, '/console/login?next=%2Fconsole%2Fmemory%2Fprojects%2FAlpha');
    const wrong = await anon.signIn('not-a-key-of-this-server');
    assert.equal(wrong.status, 401);
    assert.match(wrong.body, /not an API key of this server/);
    assert.equal((await anon.post('/console/memory/projects', { name: 'x' })).status, 401);
    // A tampered cookie counts as none. The first character of the MAC, not the last: the last base64url character
    // of a 32-byte MAC carries 2 unused bits, so changing it can leave the decoded MAC as it was (1 run in 16).
    const alice = new ConsoleClient(keyed.base);
    await alice.signIn(KEYS.alice);
    alice.cookie = alice.cookie!.replace(/\.(.)/, (_dot, ch: string) => `.${ch === 'A' ? 'B' : 'A'}`);
    assert.equal((await alice.get('/console/memory')).status, 303);
  });

  test("another principal's project and topics are not reachable by URL, and cannot be changed", async () => {
    const bob = new ConsoleClient(keyed.base);
    assert.equal((await bob.signIn(KEYS.bob)).location, '/console/memory');
    const list = await bob.get('/console/memory');
    assert.match(list.body, /Beta/);
    assert.doesNotMatch(list.body, /Alpha/);
    for (const path of [
      '/console/memory/projects/Alpha',
      '/console/memory/projects/alpha/archived',
      '/console/memory/projects/Alpha/handovers',
      '/console/memory/projects/Alpha/search?q=plan',
      '/console/memory/projects/Alpha/topic?name=Secret%20plan',
      '/console/memory/projects/Alpha/topic/edit?name=Secret%20plan',
      '/console/memory/projects/Alpha/export',
    ]) {
      const reply = await bob.get(path);
      assert.equal(reply.status, 404, path);
      assert.doesNotMatch(reply.body, /alice only|Secret plan"?</, path);
    }
    assert.equal((await bob.post('/console/memory/projects/Alpha/topic/archive', { name: 'Secret plan', version: 'all' })).status, 404);
    assert.equal((await bob.post('/console/memory/projects/Alpha/topic/lock', { name: 'Secret plan', content: 'bob was here', expect: '2' })).status, 404);
    const exported = await bob.get('/console/memory/export');
    assert.equal(exported.status, 200);
    assert.doesNotMatch(exported.body, /Alpha|alice only/);
    const alice = await memoryClient(keyed.mcp, KEYS.alice);
    await alice.call('wake_up', { project: 'Alpha' });
    assert.deepEqual(Object.entries(await alice.call('recall_context', { topic: 'Secret plan' })).filter(([k]) => ['version', 'content'].includes(k)), [
      ['version', 1],
      ['content', 'alice only'],
    ]);
    await alice.close();
  });

  test('forms without the CSRF token of their own cookie, or sent cross-site, are refused', async () => {
    const alice = new ConsoleClient(keyed.base);
    await alice.signIn(KEYS.alice);
    await alice.get('/console/memory');
    const target = '/console/memory/projects/Alpha/topic/archive';
    const fields = { name: 'Secret plan', version: 'all' };
    assert.equal((await alice.post(target, { ...fields, _csrf: undefined })).status, 403);
    assert.equal((await alice.post(target, { ...fields, _csrf: 'AAAA' })).status, 403);
    const bob = new ConsoleClient(keyed.base);
    await bob.signIn(KEYS.bob);
    await bob.get('/console/memory');
    assert.equal((await alice.post(target, { ...fields, _csrf: bob.csrf })).status, 403, "another browser's token");
    assert.equal((await alice.post(target, fields, { 'sec-fetch-site': 'cross-site' })).status, 403);
    assert.equal((await alice.post(target, fields, { origin: 'http://evil.example' })).status, 403);
    const refused = await alice.request(target, { method: 'POST', body: JSON.stringify(fields), headers: { 'content-type': 'application/json' } });
    assert.equal(refused.status, 415);
    const anon = new ConsoleClient(keyed.base);
    assert.equal((await anon.post(target, { ...fields, _csrf: alice.csrf })).status, 403, 'no cookie, no form');
    // Still there: nothing above archived it. Then the real form does.
    assert.doesNotMatch((await alice.get('/console/memory/projects/Alpha')).body, /Archived \(1\)/);
    assert.equal((await alice.post(target, fields, { 'sec-fetch-site': 'same-origin' })).status, 303);
    assert.match((await alice.get('/console/memory/projects/Alpha')).body, /Archived \(1\)/);
    assert.equal((await alice.post('/console/memory/projects/Alpha/topic/restore', { name: 'Secret plan', version: 'all' })).status, 303);
  });

  test('operations pages need an operator key; signing in again renews the nonce', async () => {
    const alice = new ConsoleClient(keyed.base);
    await alice.signIn(KEYS.alice);
    const refused = await alice.get('/console/ops');
    assert.equal(refused.status, 403);
    assert.match(refused.body, /--operators/);
    const ops = new ConsoleClient(keyed.base);
    await ops.get('/console/login');
    const before = ops.csrf;
    await ops.post('/console/login', { key: KEYS.ops });
    const page = await ops.get('/console/ops');
    assert.equal(page.status, 200);
    assert.notEqual(ops.csrf, before, 'a cookie from before sign-in cannot carry into the session');
    assert.match(page.body, /dep-security/);
  });

  test('a removed key signs its browsers out; the secret is shared through the store', async () => {
    const bob = new ConsoleClient(keyed.base);
    await bob.signIn(KEYS.bob);
    const withoutBob = await serveWithConsole(store, keys.filter((k) => k.principal !== 'bob'));
    const sameKeys = await serveWithConsole(store, keys);
    try {
      const moved = new ConsoleClient(withoutBob.base);
      moved.cookie = bob.cookie;
      assert.equal((await moved.get('/console/memory')).status, 303, 'the key is gone, so is the sign-in');
      const elsewhere = new ConsoleClient(sameKeys.base);
      elsewhere.cookie = bob.cookie;
      assert.equal((await elsewhere.get('/console/memory')).status, 200, 'another instance on the store reads the cookie');
    } finally {
      await withoutBob.close();
      await sameKeys.close();
    }
  });

  test('bad input gets a 4xx page that says what is wrong, never a 500', async () => {
    const alice = new ConsoleClient(keyed.base);
    await alice.signIn(KEYS.alice);
    await alice.get('/console/memory');
    const p = '/console/memory/projects/Alpha';
    const cases: Array<[string, () => Promise<{ status: number; body: string }>, number, RegExp]> = [
      ['malformed escape', () => alice.get('/console/memory/projects/%E0%A4%A'), 404, /no project named/],
      ['very long project', () => alice.get(`/console/memory/projects/${'x'.repeat(5000)}`), 404, /no project named/],
      ['empty topic', () => alice.get(`${p}/topic?name=`), 400, /topic must not be empty/],
      ['long topic', () => alice.get(`${p}/topic?name=${'t'.repeat(LIMITS.topic + 1)}`), 400, /at most 200 characters/],
      ['missing topic', () => alice.get(`${p}/topic?name=nope`), 404, /No context named/],
      ['version not a number', () => alice.get(`${p}/topic?name=Secret%20plan&v=abc`), 400, /whole number/],
      ['version too large', () => alice.get(`${p}/topic?name=Secret%20plan&v=99999999999`), 400, /whole number|too large/],
      ['version beyond latest', () => alice.get(`${p}/topic?name=Secret%20plan&v=7`), 400, /there is no version 7/],
      ['bad cursor', () => alice.get(`${p}?before=xyz`), 400, /Older/],
      ['bad priority', () => alice.get(`${p}?priority=urgent`), 400, /priority must be one of/],
      ['empty search', () => alice.get(`${p}/search?q=`), 400, /query must not be empty/],
      ['long search', () => alice.get(`${p}/search?q=${'w'.repeat(600)}`), 400, /at most 500 characters/],
      ['diff without versions', () => alice.get(`${p}/topic/diff?name=Secret%20plan`), 400, /needs from and to/],
      ['unknown page', () => alice.get('/console/nothing-here'), 404, /no console page/],
      ['content too long', () => alice.post(`${p}/topic/lock`, { name: 'Big', content: 'x'.repeat(LIMITS.content + 1), expect: '1' }), 400, /at most 100000 characters/],
      ['too many tags', () => alice.post(`${p}/topic/lock`, { name: 'T', content: 'c', tags: Array.from({ length: 30 }, (_, i) => `t${i}`).join(','), expect: '1' }), 400, /at most 20 tags/],
      ['topic with a newline', () => alice.post(`${p}/topic/lock`, { name: 'a\nb', content: 'c', expect: '1' }), 400, /single line/],
      ['bad archive version', () => alice.post(`${p}/topic/archive`, { name: 'Secret plan', version: '-1' }), 400, /whole number/],
      ['body over the form limit', () => alice.post(`${p}/topic/lock`, { name: 'Big', content: 'x'.repeat(3 * 1024 * 1024) }), 413, /at most 2097152 bytes/],
      ['import of a non-zip', () => importFile(alice, new Blob(['hello'])), 400, /not a readable zip archive/],
      ['import without a file', () => importFile(alice, undefined), 400, /Choose a zip file/],
    ];
    for (const [name, run, status, message] of cases) {
      const reply = await run().catch((error: unknown) => assert.fail(`${name}: ${String((error as Error).cause ?? error)}`));
      assert.equal(reply.status, status, `${name}: ${reply.body.slice(0, 300)}`);
      assert.match(reply.body, message, name);
      assert.match(reply.body, /^<!DOCTYPE html>/, `${name}: a page, not a stack trace`);
    }
    // The edit form comes back with what was typed, so nothing is lost.
    const kept = await alice.post(`${p}/topic/lock`, { name: 'Kept', content: 'my long text', tags: Array.from({ length: 30 }, (_, i) => `t${i}`).join(','), expect: '1' });
    assert.match(kept.body, /my long text/);
  });

  test('without API keys (loopback) everything is open, forms still need their token; --no-console serves none', async () => {
    const open = await serveWithConsole(store, []);
    try {
      const anyone = new ConsoleClient(open.base);
      assert.equal((await anyone.get('/console/memory')).status, 200);
      assert.equal((await anyone.get('/console/ops')).status, 200);
      assert.doesNotMatch((await anyone.get('/console/memory')).body, /Sign out/);
      assert.equal((await anyone.post('/console/memory/projects', { name: 'Open', _csrf: undefined })).status, 403);
      assert.equal((await anyone.post('/console/memory/projects', { name: 'Open' })).status, 303);
    } finally {
      await open.close();
    }
    const off = await startServer({ store: db.url, app: 'default', args: ['--no-console'] });
    try {
      const res = await fetch(off.url.replace(/\/mcp$/, '/console'));
      assert.equal(res.status, 404);
      assert.match(await res.text(), /the MCP endpoint is \/mcp/);
    } finally {
      await off.kill('SIGKILL');
    }
  });
});

async function importFile(client: ConsoleClient, file: Blob | undefined) {
  const form = new FormData();
  form.set('_csrf', client.csrf ?? '');
  if (file) form.set('file', file, 'memory.zip');
  return client.request('/console/memory/import', { method: 'POST', body: form });
}
