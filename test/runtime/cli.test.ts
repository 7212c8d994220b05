import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { parseApiKeys, verifyToken } from '../../src/runtime/auth/api-keys.js';
import { parseDuration } from '../../src/cli/durations.js';
import { CLI } from '../support/server-process.js';

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
  test('plain and pre-hashed keys verify; others do not', () => {
    const keys = parseApiKeys(
      'alice:alice-secret-key-0001,bob:sha256:' + '5e'.repeat(32),
      'test',
      /,/,
    );
    assert.equal(verifyToken(keys, 'alice-secret-key-0001'), 'alice');
    assert.equal(verifyToken(keys, 'alice-secret-key-0002'), undefined);
    assert.equal(verifyToken(keys, ''), undefined);
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
