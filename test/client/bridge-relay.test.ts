/**
 * What a server asks of its client (sampling, elicitation, roots) reaches the
 * stdio host through the bridge, and the host's answer or error goes back;
 * the bridge declares upstream exactly what the host declared, forwards the
 * host's roots changes, and keeps all of it working across a restart of the
 * remote: a plain SDK server that loses its sessions (the bridge
 * re-initializes, declaring the same capabilities) and durable-mcp (nothing
 * re-initializes), in both eras the bridge can speak to it.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { ProtocolError } from '@modelcontextprotocol/client';
import { tempDir } from '../support/postgres.js';
import { startServer, type ServerProcess } from '../support/server-process.js';
import { killAll } from '../../harness/process.js';
import { waitFor, withTimeout } from '../../harness/timeout.js';
import { FixtureServer } from './support/processes.js';
import { textOf } from './support/results.js';
import { connectHost, HOST_CAPABILITIES, REFUSAL, REFUSE, type StdioHost } from './support/stdio-host.js';

const bridgeEntry = fileURLToPath(new URL('../../src/bridge/main.js', import.meta.url));
const alpha = { uri: 'file:///projects/alpha', name: 'alpha' };
const beta = { uri: 'file:///projects/beta', name: 'beta' };

interface Outcome {
  result?: Record<string, unknown>;
  error?: { code: unknown; message: unknown; data: unknown };
}

async function askClient<T>(host: StdioHost, prompt: string): Promise<T> {
  const result = await withTimeout(host.client.callTool({ name: 'ask_client', arguments: { prompt } }), 30_000, `ask_client ${prompt}`);
  assert.ok(!result.isError, `ask_client failed: ${JSON.stringify(result)}`);
  return JSON.parse(textOf(result)) as T;
}

describe('durable-mcp bridge relays server-to-client requests', { timeout: 180_000 }, () => {
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  after(async () => {
    killAll();
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('to a plain SDK server, before and after it restarts and forgets the session', async () => {
    const server = await FixtureServer.start('legacy-server.js');
    const host = await connectHost(bridgeEntry, [server.url, '--verbose']);
    try {
      const initializes = () => server.events().filter((e) => e.event === 'initialize');
      assert.deepEqual(initializes()[0]?.capabilities, HOST_CAPABILITIES, 'declared upstream: what the host declared');

      type Answers = { sample: Outcome; form: Outcome; roots: Outcome; pid: number };
      let answers = await askClient<Answers>(host, 'first');
      assert.deepEqual(answers.sample.result?.content, { type: 'text', text: 'sampled: first' });
      assert.deepEqual(answers.form.result, { action: 'accept', content: { answer: 'forty-two' } });
      assert.deepEqual(answers.roots.result?.roots, [alpha]);
      assert.deepEqual(host.asked, { sampling: 1, elicitation: 1, roots: 1 });

      answers = await askClient<Answers>(host, REFUSE);
      assert.deepEqual(answers.form.error, REFUSAL, "the host's error reaches the server with its code and data");

      host.roots = [alpha, beta];
      await host.client.sendRootsListChanged();
      await waitFor(() => server.count('roots_changed') === 1, 5_000, 'roots/list_changed at the server');

      const before = server.pid;
      await server.restart();
      answers = await askClient<Answers>(host, 'second');
      assert.notEqual(answers.pid, before);
      assert.equal(answers.pid, server.pid, 'answered by the new process');
      assert.deepEqual(answers.sample.result?.content, { type: 'text', text: 'sampled: second' });
      assert.deepEqual(answers.form.result, { action: 'accept', content: { answer: 'forty-two' } });
      assert.deepEqual(answers.roots.result?.roots, [alpha, beta]);
      assert.equal(initializes().length, 2, 'one re-initialize');
      assert.deepEqual(initializes()[1]?.capabilities, HOST_CAPABILITIES, 're-initialized with the same capabilities');
      assert.match(host.stderr(), /re-initialized the remote session/);

      await host.client.sendRootsListChanged();
      await waitFor(() => server.count('roots_changed', { pid: server.pid }) === 1, 5_000, 'roots/list_changed at the new session');
    } finally {
      await host.close();
      await server.dispose();
    }
  });

  it('to durable-mcp, in both eras, across a SIGKILL restart with no re-initialize', async () => {
    const dir = tempDir('dmcp-bridge-relay');
    dirs.push(dir);
    let server = await startServer({ store: `pglite:${dir}` });
    servers.push(server);
    // Default: 2026-07-28, where the tool's questions come back as input_required and the SDK asks the host.
    const modern = await connectHost(bridgeEntry, [server.url, '--verbose']);
    // --era legacy: a 2025-era session, where they arrive as requests (the SDK's legacy shim, and push-style tools).
    const legacy = await connectHost(bridgeEntry, [server.url, '--verbose', '--era', 'legacy']).catch(async (error: unknown) => {
      await modern.close();
      throw error;
    });
    try {
      assert.match(modern.stderr(), /\(modern era\)/);
      assert.match(legacy.stderr(), /\(legacy era\)/);
      for (const host of [modern, legacy]) {
        const seen = JSON.parse(textOf(await host.client.callTool({ name: 'client_capabilities', arguments: {} })));
        assert.deepEqual(seen, HOST_CAPABILITIES, 'the server sees the capabilities the host declared');
      }

      type Answers = { sample: Record<string, unknown>; form: Record<string, unknown>; roots: { roots: unknown[] } };
      const check = async (host: StdioHost, prompt: string) => {
        const answers = await askClient<Answers>(host, prompt);
        assert.deepEqual(answers.sample.content, { type: 'text', text: `sampled: ${prompt}` });
        assert.deepEqual(answers.form, { action: 'accept', content: { answer: 'forty-two' } });
        assert.deepEqual(answers.roots.roots, [alpha]);
      };
      await check(modern, 'first');
      await check(legacy, 'first');
      const pushed = async (host: StdioHost) => {
        const sampled = await host.client.callTool({ name: 'sample_standalone', arguments: { prompt: 'x' } });
        assert.equal(textOf(sampled), 'sampled: sampled: x');
        const elicited = await host.client.callTool({ name: 'elicit_standalone', arguments: { question: 'why?' } });
        assert.equal(textOf(elicited), 'elicited: accept:forty-two');
      };
      await pushed(legacy);

      // 2026-07-28 has no channel back to the server for a refusal: the request that needed the answer fails with it.
      const refused = await modern.client.callTool({ name: 'ask_client', arguments: { prompt: REFUSE } }).then(
        () => assert.fail('a refused elicitation must fail the call'),
        (error: unknown) => error,
      );
      assert.ok(refused instanceof ProtocolError, String(refused));
      assert.deepEqual({ code: refused.code, message: refused.message, data: refused.data }, REFUSAL);
      // 2025-era: the refusal is the answer to the server's request, and the tool reports it.
      const reported = await legacy.client.callTool({ name: 'ask_client', arguments: { prompt: REFUSE } });
      assert.ok(reported.isError);
      assert.match(textOf(reported), new RegExp(REFUSAL.message));

      const sessionId = JSON.parse(textOf(await legacy.client.callTool({ name: 'whoami', arguments: {} }))).sessionId as string;
      await server.kill('SIGKILL');
      server = await startServer({ store: `pglite:${dir}`, port: server.port });
      servers.push(server);

      // Push first: the SDK has given up reconnecting the legacy bridge's standalone stream by now.
      await pushed(legacy);
      await check(modern, 'second');
      await check(legacy, 'second');
      assert.equal(JSON.parse(textOf(await legacy.client.callTool({ name: 'whoami', arguments: {} }))).sessionId, sessionId, 'same session');
      assert.equal(server.events('session_created').length, 0, 'no new session after the restart');
      for (const host of [modern, legacy]) assert.doesNotMatch(host.stderr(), /re-initialized|lost the remote session/);
    } catch (error) {
      // What each side saw, for whoever reads a failure.
      process.stderr.write(`bridge (default era):\n${modern.stderr()}\nbridge (--era legacy):\n${legacy.stderr()}\n`);
      throw error;
    } finally {
      await Promise.all([modern.close(), legacy.close()]);
    }
  });
});
