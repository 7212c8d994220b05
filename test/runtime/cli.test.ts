import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseApiKeys, verifyToken } from '../../src/runtime/auth/api-keys.js';
import { parseDuration } from '../../src/units.js';
import { messagesOf, openSession, post } from '../support/http.js';
import { tempDir } from '../support/postgres.js';
import { CLI, startServer, type ServerProcess } from '../support/server-process.js';

const sha256 = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

describe('CLI', () => {
  test('--help documents every flag and its environment variable', () => {
    const out = spawnSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' });
    assert.equal(out.status, 0);
    for (const flag of ['--port', '--host', '--store', '--app', '--deployment-id', '--api-keys-file', '--no-console', '--operators', 'DATABASE_URL', 'DEPLOYMENT_ID', 'DURABLE_MCP_API_KEYS', 'DURABLE_MCP_OPERATORS', '--headers-timeout', 'DURABLE_MCP_HEADERS_TIMEOUT', '--request-timeout', 'DURABLE_MCP_REQUEST_TIMEOUT', '--keep-alive-timeout', 'DURABLE_MCP_KEEP_ALIVE_TIMEOUT', '--max-connections', 'DURABLE_MCP_MAX_CONNECTIONS']) {
      assert.ok(out.stdout.includes(flag), `help mentions ${flag}`);
    }
  });

  test('refuses to bind beyond loopback without API keys, and says how to configure them', () => {
    const out = spawnSync(process.execPath, [CLI, 'serve', '--host', '0.0.0.0', '--port', '0', '--store', 'pglite:memory', '--log-level', 'silent'], {
      encoding: 'utf8',
      env: { ...process.env, DURABLE_MCP_API_KEYS: '', DATABASE_URL: '' },
      timeout: 60_000,
    });
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stderr, /refusing to listen on 0\.0\.0\.0 without API keys/);
    assert.match(out.stderr, /DURABLE_MCP_API_KEYS/);
  });

  test('unknown flags and commands fail with a clear message', () => {
    const bad = spawnSync(process.execPath, [CLI, 'serve', '--bogus'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /bogus/);
    const unknown = spawnSync(process.execPath, [CLI, 'frobnicate'], { encoding: 'utf8' });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  });
});

describe('API keys', () => {
  let server: ServerProcess | undefined;
  after(() => server?.kill('SIGKILL'));

  test('plain and pre-hashed keys verify; others do not', () => {
    const keys = parseApiKeys(`alice:alice-secret-key-0001,bob:sha256:${sha256('bob-secret-key-000002')}`, 'test', /,/);
    assert.equal(verifyToken(keys, 'alice-secret-key-0001'), 'alice');
    assert.equal(verifyToken(keys, 'bob-secret-key-000002'), 'bob', 'the secret behind a pre-hashed key');
    assert.equal(verifyToken(keys, sha256('bob-secret-key-000002')), undefined, 'the digest itself is not a key');
    assert.equal(verifyToken(keys, 'alice-secret-key-0002'), undefined);
    assert.equal(verifyToken(keys, ''), undefined);
  });

  test('serve --api-keys-file: a plain and a pre-hashed key each authenticate their principal end to end', async () => {
    const file = join(tempDir('dmcp-keys-'), 'keys');
    writeFileSync(file, `# one of each form\nalice:alice-secret-key-0001\nbob:sha256:${sha256('bob-secret-key-000002')}\n`);
    server = await startServer({ store: 'pglite:memory', args: ['--api-keys-file', file], env: { DURABLE_MCP_API_KEYS: undefined } });
    for (const [principal, secret] of [['alice', 'alice-secret-key-0001'], ['bob', 'bob-secret-key-000002']] as const) {
      const auth = { authorization: `Bearer ${secret}` };
      const session = await openSession(server.url, auth);
      const res = await post(server.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, { sessionId: session, protocolVersion: '2025-11-25', headers: auth });
      assert.equal(res.status, 200);
      const [answer] = (await messagesOf(res)) as Array<{ result: { content: Array<{ text: string }> } }>;
      assert.equal((JSON.parse(answer!.result.content[0]!.text) as { principal: string }).principal, principal, `${principal} is served as ${principal}`);
    }
    const digestAsToken = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { headers: { authorization: `Bearer ${sha256('bob-secret-key-000002')}` } });
    assert.equal(digestAsToken.status, 401, 'the stored digest does not work as a key');
    await digestAsToken.text();
  });

  test('malformed entries are refused with a message that says the format', () => {
    assert.throws(() => parseApiKeys('no-colon-here', 'f', /,/), /principal:secret/);
    assert.throws(() => parseApiKeys('alice:short', 'f', /,/), /shorter than 16/);
    assert.throws(() => parseApiKeys('alice:sha256:abc', 'f', /,/), /64 hex/);
  });
});

describe('durations', () => {
  test('parses units and rejects nonsense', () => {
    assert.equal(parseDuration('24h', 'x'), 86_400_000);
    assert.equal(parseDuration('1500', 'x'), 1500);
    assert.equal(parseDuration('30s', 'x'), 30_000);
    assert.throws(() => parseDuration('soon', '--session-ttl'), /--session-ttl: 'soon' is not a duration/);
  });
});
