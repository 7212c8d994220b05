/** The shared harness keeps its promises: temp dirs go, a process that never gets ready does not stay. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LogReader } from '../../harness/log-reader.js';
import { spawnProcess } from '../../harness/process.js';

const TEMP_MODULE = fileURLToPath(new URL('../../harness/temp.js', import.meta.url));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('harness', () => {
  test('a temp dir is removed when the process that made it exits', () => {
    const child = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `const { tempDir } = await import(${JSON.stringify(TEMP_MODULE)}); const d = tempDir('harness-check'); console.log(d);`],
      { encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    const dir = child.stdout.trim();
    assert.match(dir, /harness-check-/);
    assert.equal(existsSync(dir), false, `${dir} outlived its process`);
  });

  test('a process that never gets ready is killed, and the error says what it printed', async () => {
    const error = await spawnProcess({
      name: 'never-ready',
      args: ['-e', "console.log('booting ' + process.pid); console.error('stuck'); setInterval(() => {}, 1000)"],
      ready: { line: (l) => l.event === 'server_started' },
      timeoutMs: 1500,
    }).then(
      () => assert.fail('it was taken for ready'),
      (e: Error) => e,
    );
    assert.match(error.message, /never-ready: not ready: no matching log line within 1500 ms/);
    assert.match(error.message, /stuck/, 'its stderr');
    const pid = Number(/booting (\d+)/.exec(error.message)?.[1]);
    assert.ok(pid > 0, `its last log lines: ${error.message}`);
    assert.equal(alive(pid), false, 'and it is gone');
  });

  test('log lines split across chunks are read whole; non-JSON lines become { msg }', async () => {
    const reader = new LogReader();
    reader.push('{"event":"a","n":1}\n{"ev');
    reader.push('ent":"b"}\nplain text\n');
    assert.deepEqual(reader.lines, [{ event: 'a', n: 1 }, { event: 'b' }, { msg: 'plain text' }]);
    const later = reader.waitFor((l) => l.event === 'c', 1000, new Promise(() => {}), (why) => why);
    reader.push('{"event":"c"}\n');
    assert.deepEqual(await later, { event: 'c' });
  });
});
