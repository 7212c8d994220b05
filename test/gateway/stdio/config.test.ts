/**
 * Configuring stdio upstreams: `command` entries in --config (env values
 * expanded from the gateway's environment, durations and sizes parsed, a
 * mistake named by file and field), and the command line's flags that only
 * make sense together.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadGatewayConfig } from '../../../src/gateway/config/file.js';
import { CLI } from '../../support/server-process.js';
import { tempDir } from '../../support/postgres.js';

describe('stdio upstream configuration', () => {
  it('a command entry in --config becomes a stdio upstream with its env, cwd and limits', () => {
    const dir = tempDir('gateway-stdio-config');
    const yaml = join(dir, 'g.yaml');
    writeFileSync(
      yaml,
      [
        'upstreams:',
        '  memory:',
        '    command: npx',
        '    args: ["-y", "@modelcontextprotocol/server-memory"]',
        '    env: { MEMORY_FILE_PATH: "${DATA}/memory.jsonl" }',
        '    cwd: /srv',
        '    maxChildren: 4',
        '    idleTimeout: 5m',
        '    startupTimeout: 20s',
        '    memoryLimit: 512M',
        '    share: 3',
        '  notes:',
        '    url: http://127.0.0.1:9/mcp',
      ].join('\n'),
    );
    const [memory, notes] = loadGatewayConfig(yaml, { DATA: '/data' });
    assert.ok(memory && 'command' in memory);
    assert.deepEqual(
      { ...memory },
      {
        name: 'memory',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-memory'],
        env: { MEMORY_FILE_PATH: '/data/memory.jsonl' },
        cwd: '/srv',
        share: { children: 3 },
        maxChildren: 4,
        idleTimeoutMs: 300_000,
        startupTimeoutMs: 20_000,
        memoryLimitBytes: 512 * 1024 * 1024,
      },
    );
    assert.ok(notes && 'url' in notes);
    const json = join(dir, 'g.json');
    writeFileSync(json, JSON.stringify({ upstreams: { m: { command: 'x', idleTimeot: '5m' } } }));
    assert.throws(() => loadGatewayConfig(json, {}), new RegExp(`--config ${json}: upstreams.m: Unrecognized key.*idleTimeot`));
    writeFileSync(json, JSON.stringify({ upstreams: { m: { command: 'x', memoryLimit: 'lots' } } }));
    assert.throws(() => loadGatewayConfig(json, {}), /upstreams.m.memoryLimit: 'lots' is not a size/);
    writeFileSync(json, JSON.stringify({ upstreams: { m: { command: 'x', env: { T: '${MISSING_VAR}' } } } }));
    assert.throws(() => loadGatewayConfig(json, {}), /upstreams.m.env.T/);
  });

  it('the command line refuses flags that cannot go together, saying which', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'gateway', ...args], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH } });
    const both = run('--upstream', 'http://127.0.0.1:9/mcp', '--upstream-command', 'node server.js');
    assert.notEqual(both.status, 0);
    assert.match(both.stderr, /--upstream and --upstream-command both name the server at \/mcp/);
    const stray = run('--upstream', 'http://127.0.0.1:9/mcp', '--max-children', '3');
    assert.notEqual(stray.status, 0);
    assert.match(stray.stderr, /apply to --upstream-command/);
    const help = run('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--upstream-command <line>/);
    assert.match(help.stdout, /--child-memory-limit <size>/);
  });
});
