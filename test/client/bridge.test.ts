/**
 * The bridge end to end, as a desktop host runs it: a stock v2 stdio client
 * spawns `node <compiled bridge entry> <url>` and talks MCP over its stdio;
 * the bridge talks to a plain in-memory-session server that is SIGKILLed and
 * restarted with a different tool set.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { Client, type Notification } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { freePort } from '../../harness/ports.js';
import { killAll } from '../../harness/process.js';
import { waitFor, withTimeout } from '../../harness/timeout.js';
import { FixtureServer } from './support/processes.js';
import { echo, textOf } from './support/results.js';

const bridgeEntry = fileURLToPath(new URL('../../src/bridge/main.js', import.meta.url));

describe('durable-mcp bridge', { timeout: 120_000 }, () => {
  after(killAll);

  it('a stock stdio client keeps working across a remote restart, and hears about the new tools', async () => {
    const server = await FixtureServer.start('legacy-server.js');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [bridgeEntry, server.url, '--verbose', '--header', 'X-Test: token-${BRIDGE_TEST_SECRET}'],
      env: { ...getDefaultEnvironment(), BRIDGE_TEST_SECRET: 's3cret' },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const local = new Client({ name: 'desktop-host', version: '1.0.0' });
    const notifications: Notification[] = [];
    local.fallbackNotificationHandler = async (notification) => {
      notifications.push(notification);
    };
    try {
      await withTimeout(local.connect(transport), 10_000, 'connect through the bridge');
      assert.match(local.getServerVersion()?.name ?? '', /via durable-mcp bridge/);
      assert.equal(local.getServerCapabilities()?.tools?.listChanged, true);
      assert.equal(server.events().find((e) => e.event === 'initialize')?.xTest, 'token-s3cret', 'header expanded from the environment');

      const before = (await local.listTools()).tools.map((t) => t.name);
      assert.ok(before.includes('echo') && !before.includes('brand_new'));
      await local.setLoggingLevel('info');
      await local.subscribeResource({ uri: 'mem://note' });
      assert.match(textOf(await local.callTool(echo('one'))), /one/);
      await local.callTool({ name: 'log', arguments: { message: 'hello from the remote' } });
      await waitFor(() => notifications.some((n) => n.method === 'notifications/message'), 5_000, 'the log message');
      assert.match((await local.readResource({ uri: 'mem://note' })).contents[0]?.uri ?? '', /mem:\/\/note/);
      assert.match(JSON.stringify(await local.getPrompt({ name: 'greet', arguments: { name: 'bob' } })), /Hello bob/);
      const completion = await local.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'a' } });
      assert.deepEqual(completion.completion.values, ['alice']);

      await server.restart({ FIXTURE_EXTRA_TOOL: 'brand_new' });

      assert.match(textOf(await local.callTool(echo('two'))), new RegExp(`two \\(pid ${server.pid}\\)`));
      await waitFor(() => notifications.some((n) => n.method === 'notifications/tools/list_changed'), 5_000, 'tools/list_changed');
      assert.ok((await local.listTools()).tools.some((t) => t.name === 'brand_new'));
      const state = JSON.parse(textOf(await local.callTool({ name: 'state', arguments: {} }))) as { logLevel: string; subscriptions: string[] };
      assert.equal(state.logLevel, 'info');
      assert.deepEqual(state.subscriptions, ['mem://note']);

      assert.match(stderr, /re-initialized the remote session/);
      assert.doesNotMatch(stderr, /s3cret/, 'secrets stay out of the logs');
    } finally {
      const pid = transport.pid;
      await local.close();
      if (pid !== null) {
        // Closing stdin ends the bridge; make sure it really exits.
        await waitFor(() => !isAlive(pid), 5_000, 'the bridge to exit');
      }
      await server.dispose();
    }
  });

  it("answers the host's initialize with an error and exits 1 when the remote cannot be reached", async () => {
    const { spawn } = await import('node:child_process');
    const port = await freePort(); // nothing listens there
    const child = spawn(process.execPath, [bridgeEntry, `http://127.0.0.1:${port}/mcp`, '--quiet', '--timeout', '1500'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // The remote is contacted when the host says what it can do (the bridge declares the same upstream).
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(stdout, '', 'nothing happens before initialize');
    const started = Date.now();
    const initialize = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'host', version: '1' } };
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: initialize })}\n`);
    // --timeout also bounds how long it waits for the remote.
    const code = await withTimeout(exited, 10_000, 'bridge exit').finally(() => child.kill('SIGKILL'));
    assert.equal(code, 1);
    assert.ok(Date.now() - started >= 500, 'it waited for the remote (with backoff) before giving up');
    const answer = JSON.parse(stdout.trim()) as { id: number; error?: { message: string } };
    assert.equal(answer.id, 1);
    assert.match(answer.error?.message ?? '', new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/mcp`), 'the host is told why');
    assert.match(stderr, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/mcp`));
  });

  it('before initialize: answers ping, turns other requests away, and lets a host that negotiates eras fall back', async () => {
    const { spawn } = await import('node:child_process');
    const server = await FixtureServer.start('legacy-server.js');
    const child = spawn(process.execPath, [bridgeEntry, server.url, '--quiet'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const client = new Client({ name: 'negotiating-host', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    try {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const answers = () => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: number; result?: unknown; error?: { code: number } });
      const send = (id: number, method: string, params?: unknown) =>
        child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, ...(params !== undefined && { params }) })}\n`);
      send(1, 'ping');
      send(2, 'server/discover');
      send(3, 'tools/list');
      send(4, 'initialize', { protocolVersion: '2025-11-25' });
      await waitFor(() => answers().length === 4, 5_000, 'four answers');
      const byId = new Map(answers().map((a) => [a.id, a]));
      assert.deepEqual(byId.get(1)?.result, {});
      assert.equal(byId.get(2)?.error?.code, -32601, 'a 2026-07-28 probe: method not found, so the host falls back to initialize');
      assert.equal(byId.get(3)?.error?.code, -32600, 'initialize first');
      assert.equal(byId.get(4)?.error?.code, -32602, 'an initialize without capabilities and clientInfo');
      assert.equal(server.count('initialize'), 0, 'the remote is not contacted before a valid initialize');
      child.stdin.end();
      assert.equal(await withTimeout(new Promise((resolve) => child.once('exit', resolve)), 5_000, 'bridge exit'), 0);

      const transport = new StdioClientTransport({ command: process.execPath, args: [bridgeEntry, server.url, '--quiet'], stderr: 'pipe' });
      await withTimeout(client.connect(transport), 20_000, 'an era-negotiating host connects');
      assert.equal(client.getProtocolEra(), 'legacy');
      assert.match(textOf(await client.callTool(echo('negotiated'))), /negotiated/);
    } finally {
      child.kill('SIGKILL');
      await client.close();
      await server.dispose();
    }
  });

  it('prints its own help and rejects bad usage', async () => {
    const { execFileSync, spawnSync } = await import('node:child_process');
    assert.match(execFileSync(process.execPath, [bridgeEntry, '--help'], { encoding: 'utf8' }), /Usage: durable-mcp bridge <url>/);
    const bad = spawnSync(process.execPath, [bridgeEntry, 'http://127.0.0.1:1/mcp', '--header', 'Authorization: Bearer ${DURABLE_MCP_UNSET_VAR}'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /environment variable DURABLE_MCP_UNSET_VAR is not set/);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
