/**
 * The stdio side's pure parts: the child life-cycle table, the stderr bounds
 * and the configuration's defaults and validation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChildLifecycle } from '../../../src/gateway/stdio/child-states.js';
import { resolveStdioConfig, STDIO_DEFAULTS } from '../../../src/gateway/stdio/config.js';
import { StderrLines } from '../../../src/gateway/stdio/stderr-lines.js';
import type { StdioEvent } from '../../../src/gateway/stdio/types.js';

describe('stdio parts', () => {
  it('the child life cycle allows only its table, and reports each transition once', () => {
    const events: StdioEvent[] = [];
    const life = new ChildLifecycle(() => ({ child: 1, pid: 42, sessionId: 's' }), (e) => events.push(e));
    life.to('ready', 'initialized');
    assert.throws(() => life.to('starting', 'again'), /illegal transition ready -> starting/);
    life.to('stopping', 'idle');
    assert.throws(() => life.to('ready', 'back'), /illegal transition stopping -> ready/);
    life.to('exited', 'stopped', { code: 0, signal: null });
    assert.throws(() => life.to('stopping', 'late'), /illegal transition exited -> stopping/);
    assert.deepEqual(
      events.map((e) => (e.type === 'child_transition' ? `${e.from}>${e.to}:${e.sessionId}` : e.type)),
      ['starting>ready:s', 'ready>stopping:s', 'stopping>exited:s'],
    );
  });

  it('stderr: lines split across chunks, cut when too long, bounded per window with the rest counted', () => {
    const lines: string[] = [];
    const dropped: number[] = [];
    const stderr = new StderrLines({ lines: 3, windowMs: 60_000, lineBytes: 8 }, { line: (l) => lines.push(l), dropped: (n) => dropped.push(n) });
    stderr.write(Buffer.from('ab'));
    stderr.write(Buffer.from('c\r\n0123456789abcdef'));
    stderr.write(Buffer.from('ghij\nlast\nx\ny\n'));
    stderr.end();
    assert.deepEqual(lines, ['abc', '01234567 [cut]', 'last']);
    assert.deepEqual(dropped, [2], 'x and y were over the bound');
    assert.deepEqual(stderr.tail, ['abc', '01234567 [cut]', 'last', 'x', 'y']);
  });

  it('stderr: a multi-byte character split across chunks stays whole', () => {
    const lines: string[] = [];
    const stderr = new StderrLines({ lines: 10, windowMs: 1_000, lineBytes: 100 }, { line: (l) => lines.push(l), dropped: () => undefined });
    const bytes = Buffer.from('grüße\n');
    stderr.write(bytes.subarray(0, 3));
    stderr.write(bytes.subarray(3));
    assert.deepEqual(lines, ['grüße']);
  });

  it('configuration: defaults as documented, a command line runs through sh, bad values fail at once', () => {
    const config = resolveStdioConfig({ commandLine: 'npx -y some-server --flag "a b"' });
    assert.equal(config.command, '/bin/sh');
    assert.deepEqual(config.args, ['-c', 'npx -y some-server --flag "a b"']);
    assert.equal(config.maxChildren, STDIO_DEFAULTS.maxChildren);
    assert.equal(config.idleTimeoutMs, 600_000);
    assert.equal(config.memoryLimitBytes, 1024 ** 3);
    assert.equal(config.shareChildren, undefined);
    assert.ok(config.env.PATH, 'the safe defaults of the environment');
    assert.equal(config.env.DATABASE_URL, undefined, 'nothing else of the gateway\'s environment');
    assert.equal(resolveStdioConfig({ command: 'x', share: {} }).shareChildren, 2);
    assert.throws(() => resolveStdioConfig({}), /command is required/);
    assert.throws(() => resolveStdioConfig({ command: 'x', commandLine: 'y' }), /either command/);
    assert.throws(() => resolveStdioConfig({ command: 'x', maxChildren: 0 }), /maxChildren must be an integer >= 1/);
    assert.throws(() => resolveStdioConfig({ command: 'x', idleTimeoutMs: -1 }), /idleTimeoutMs/);
  });
});
