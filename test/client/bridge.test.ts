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
import { FixtureServer, freePort, killAll, waitFor, withTimeout } from './support/processes.js';
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

  it('exits 1 with a clear message when the remote cannot be reached', async () => {
    const { spawn } = await import('node:child_process');
    const port = await freePort(); // nothing listens there
    const started = Date.now();
    const child = spawn(process.execPath, [bridgeEntry, `http://127.0.0.1:${port}/mcp`, '--quiet', '--timeout', '1500'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // --timeout also bounds how long it waits for the remote at startup.
    const code = await withTimeout(new Promise<number | null>((resolve) => child.once('exit', resolve)), 10_000, 'bridge exit').finally(() => child.kill('SIGKILL'));
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/mcp`));
    assert.ok(Date.now() - started >= 500, 'it waited for the remote (with backoff) before giving up');
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
