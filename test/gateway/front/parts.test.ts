/**
 * The gateway front's small parts and its command line: snapshots are
 * written only when they change, one write at a time, the newest winning;
 * credentials are scrubbed from any text; `${VAR}` expansion and config files
 * fail at start with the file and field named; `durable-mcp gateway --help`
 * documents every flag.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { expandVariables, parseHeader } from '../../../src/gateway/config/expand.js';
import { loadGatewayConfig } from '../../../src/gateway/config/file.js';
import { secretScrubber } from '../../../src/gateway/front/secrets.js';
import { SnapshotWriter, storedSnapshot } from '../../../src/gateway/front/snapshot-writer.js';
import type { UpstreamSnapshot } from '../../../src/gateway/upstream/types.js';
import { CLI } from '../../support/server-process.js';
import { tempDir } from '../../support/postgres.js';

const snapshot = (generation: number, logLevel?: string): UpstreamSnapshot => ({
  format: 1,
  era: 'legacy',
  sessionId: `s-${generation}`,
  protocolVersion: '2025-11-25',
  serverInfo: { name: 'up', version: '1' },
  capabilities: {},
  toolAnnotations: {},
  listHashes: {},
  subscriptions: [],
  generation,
  ...(logLevel && { logLevel: logLevel as 'info' }),
});

describe('SnapshotWriter', () => {
  it('writes only what changed, one write at a time, and the newest of a burst', async () => {
    const written: number[] = [];
    let release: () => void = () => undefined;
    const writer = new SnapshotWriter(
      (s) => {
        written.push(s.generation);
        return new Promise<void>((resolve) => (release = resolve));
      },
      (error) => assert.fail(String(error)),
      snapshot(1),
    );
    writer.offer(snapshot(1)); // what the record already holds
    assert.deepEqual(written, []);
    writer.offer(snapshot(2));
    writer.offer(snapshot(3));
    writer.offer(snapshot(4));
    assert.deepEqual(written, [2], 'one write in flight');
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(written, [2, 4], 'then only the newest');
    release();
    await writer.flush();
    writer.offer(snapshot(4));
    assert.deepEqual(written, [2, 4], 'unchanged: no write');
  });

  it('a failed write is reported and retried on the next offer, even an identical one', async () => {
    let fail = true;
    const written: number[] = [];
    const errors: unknown[] = [];
    const writer = new SnapshotWriter(
      async (s) => {
        if (fail) throw new Error('store down');
        written.push(s.generation);
      },
      (error) => errors.push(error),
    );
    writer.offer(snapshot(2));
    await writer.flush();
    assert.equal(errors.length, 1);
    fail = false;
    writer.offer(snapshot(2));
    await writer.flush();
    assert.deepEqual(written, [2]);
  });

  it('only a well-formed stored snapshot is continued', () => {
    assert.ok(storedSnapshot(snapshot(1)));
    assert.equal(storedSnapshot({ format: 2 }), undefined);
    assert.equal(storedSnapshot('x'), undefined);
    assert.equal(storedSnapshot(undefined), undefined);
  });
});

describe('credentials and configuration', () => {
  it('scrubs header values, bare tokens and URL secrets from any text', () => {
    const scrub = secretScrubber(new URL('https://user:p4ssw0rd@up.example/mcp?key=abc123'), { authorization: 'Bearer tok-9f8e7d' });
    const text = scrub('401: Bearer tok-9f8e7d rejected; token tok-9f8e7d; at https://user:p4ssw0rd@up.example/mcp?key=abc123');
    for (const secret of ['tok-9f8e7d', 'p4ssw0rd', 'key=abc123']) assert.ok(!text.includes(secret), text);
  });

  it('expands ${VAR} and refuses an unset one', () => {
    assert.equal(expandVariables('Bearer ${T}', { T: 'x1' }, 'here'), 'Bearer x1');
    assert.throws(() => expandVariables('Bearer ${MISSING}', {}, '--upstream-header Authorization'), /--upstream-header Authorization: environment variable MISSING is not set/);
    assert.deepEqual(parseHeader('X-Key:  ${T}', { T: 'v' }, 'h'), ['X-Key', 'v']);
    assert.throws(() => parseHeader('no colon', {}, '--upstream-header'), /Name: value/);
  });

  it('reads YAML and JSON config files and names the file and field of a mistake', () => {
    const dir = tempDir('gateway-config');
    const yaml = join(dir, 'g.yaml');
    writeFileSync(yaml, 'upstreams:\n  notes:\n    url: http://127.0.0.1:9/mcp\n    headers: { X-Key: "${K}" }\n    requestTimeout: 30s\n    reconnect: { maxRetries: 3, window: 10s }\n');
    const [notes] = loadGatewayConfig(yaml, { K: 'secret' });
    assert.ok(notes && 'url' in notes, 'an HTTP upstream');
    assert.equal(notes?.name, 'notes');
    assert.deepEqual(notes?.headers, { 'X-Key': 'secret' });
    assert.equal(notes?.requestTimeoutMs, 30_000);
    assert.deepEqual(notes?.reconnect, { maxRetries: 3, windowMs: 10_000 });
    const json = join(dir, 'g.json');
    writeFileSync(json, JSON.stringify({ upstreams: { a: { url: 'http://127.0.0.1:9/mcp', timeout: 5 } } }));
    assert.throws(() => loadGatewayConfig(json, {}), new RegExp(`--config ${json}: upstreams.a: Unrecognized key`));
    writeFileSync(json, JSON.stringify({ upstreams: { 'bad/name': { url: 'http://x/mcp' } } }));
    assert.throws(() => loadGatewayConfig(json, {}), /an upstream name is/);
    writeFileSync(json, '{ not json');
    assert.throws(() => loadGatewayConfig(json, {}), new RegExp(`--config ${json}:`));
  });
});

describe('durable-mcp gateway (command line)', () => {
  it('--help documents every flag', () => {
    const out = spawnSync(process.execPath, [CLI, 'gateway', '--help'], { encoding: 'utf8' });
    assert.equal(out.status, 0);
    for (const flag of ['--upstream', '--upstream-header', '--forward-authorization', '--upstream-era', '--request-timeout', '--handshake-timeout', '--config', '--port', '--store', '--api-keys-file', '--metrics-port', '--no-console', '--operators', '/upstreams', '/console', 'DURABLE_MCP_UPSTREAM']) {
      assert.ok(out.stdout.includes(flag), `help mentions ${flag}`);
    }
  });

  it('refuses to start without an upstream, or with an unset ${VAR}, saying why', () => {
    const env = { ...process.env, DURABLE_MCP_UPSTREAM: '', DURABLE_MCP_GATEWAY_CONFIG: '' };
    const none = spawnSync(process.execPath, [CLI, 'gateway', '--store', 'pglite:memory'], { encoding: 'utf8', env });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /give --upstream <url>, --upstream-command "<command line>" or --config <file>/);
    const unset = spawnSync(process.execPath, [CLI, 'gateway', '--upstream', 'http://127.0.0.1:9/mcp', '--upstream-header', 'Authorization: Bearer ${NOT_SET_ANYWHERE}'], { encoding: 'utf8', env });
    assert.equal(unset.status, 1);
    assert.match(unset.stderr, /NOT_SET_ANYWHERE is not set/);
  });
});
