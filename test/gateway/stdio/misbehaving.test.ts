/**
 * Children that misbehave get bounded, typed answers and leave the gateway
 * healthy: a flood of stderr is cut to the configured lines per window (the
 * rest counted), an over-long line is cut, text and non-JSON-RPC on stdout
 * are skipped and reported, and a message beyond the size bound stops the
 * child and ends its request as unknown (a safe one is tried once more).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutcomeUnknownError } from '../../../src/gateway/upstream/index.js';
import { call, FIXTURE_STDIO, StdioRig, textOf } from './support/links.js';
import { expectGroupsGone } from './support/process-table.js';

const node = JSON.stringify(process.execPath);
const fixture = JSON.stringify(FIXTURE_STDIO);

describe('stdio children that misbehave', () => {
  it('stderr: 5 000 lines in a burst are logged up to the window\'s bound, the rest counted, a 10 kB line cut', async () => {
    const flood = `${node} -e "for (let i = 0; i < 5000; i++) console.error(i === 7 ? 'x'.repeat(10000) : 'line ' + i)"`;
    const rig = new StdioRig({ commandLine: `${flood}; exec ${node} ${fixture}`, stderrLines: 40, stderrWindowMs: 60_000, stderrLineBytes: 256 });
    try {
      const { link } = rig.link();
      await link.initialize();
      await rig.upstream.drain();
      const logged = rig.childEvents.filter((e) => e.type === 'child_stderr');
      const dropped = rig.childEvents.flatMap((e) => (e.type === 'child_stderr_dropped' ? [e.count] : []));
      assert.equal(logged.length, 40, 'the bound per window');
      const cut = logged.find((e) => 'line' in e && e.line.endsWith('[cut]'));
      assert.ok(cut && 'line' in cut && cut.line.length <= 256 + 6, 'the long line cut at the byte bound');
      // 5 000 flood lines and the fixture's own line: every one either logged or counted.
      assert.equal(logged.length + dropped.reduce((a, b) => a + b, 0), 5001);
    } finally {
      const groups = rig.pgids();
      await rig.dispose();
      await expectGroupsGone(groups);
    }
  });

  it('stdout: text and JSON that is not JSON-RPC are skipped (the latter reported); the server behind them is served', async () => {
    const rig = new StdioRig({ commandLine: `echo 'starting up...'; echo '{"hello":"world"}'; exec ${node} ${fixture}` });
    try {
      const { link } = rig.link();
      await link.initialize();
      assert.equal(textOf(await link.request(call('echo', { text: 'fine' }))), 'fine');
      assert.equal(rig.childEvents.filter((e) => e.type === 'child_protocol').length, 1);
    } finally {
      const groups = rig.pgids();
      await rig.dispose();
      await expectGroupsGone(groups);
    }
  });

  it('a message beyond maxMessageBytes stops the child; the call ends as unknown after its one retry, and the session goes on', async () => {
    const rig = StdioRig.fixture({ maxMessageBytes: 4096 });
    try {
      const { link } = rig.link();
      await link.initialize();
      const error = await link.request(call('echo', { text: 'y'.repeat(8000) })).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof OutcomeUnknownError, String(error));
      assert.match(error.message, /so did its one retry/);
      assert.ok(rig.childEvents.some((e) => e.type === 'child_transition' && e.to === 'stopping' && /broke the protocol/.test(e.reason)));
      assert.equal(textOf(await link.request(call('echo', { text: 'small' }))), 'small');
    } finally {
      const groups = rig.pgids();
      await rig.dispose();
      await expectGroupsGone(groups);
    }
  });
});
