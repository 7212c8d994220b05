/**
 * A SIGKILL of the gateway runs none of its code, yet no child may outlive
 * it: each child's group leader is armed by `setpriv --pdeathsig` and kills
 * its whole group when the gateway dies. Proven from outside with the
 * process table: the children are real servers from the registry, one run
 * through `npx` (npm, a shell and node: grandchildren), one through a shell
 * command line that leaves a background helper, one directly.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { canArmParentDeath } from '../../../src/gateway/stdio/index.js';
import { withTimeout } from '../../../harness/timeout.js';
import { FIXTURE_STDIO, serverScript } from './support/links.js';
import { expectGroupsGone, groupMembers, inGroups } from './support/process-table.js';

const HOLDER = fileURLToPath(new URL('./fixtures/hold-children.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

describe('stdio children when the gateway is SIGKILLed', () => {
  it('every process of every child dies with the gateway: no orphan, no zombie', { skip: !canArmParentDeath() && 'setpriv (util-linux) is not available' }, async () => {
    const configs = [
      { commandLine: 'npx --no-install mcp-server-memory', cwd: ROOT, env: { MEMORY_FILE_PATH: '/dev/null' } },
      { commandLine: `sleep 600 & exec ${JSON.stringify(process.execPath)} ${JSON.stringify(serverScript('@modelcontextprotocol/server-everything'))} stdio` },
      { command: process.execPath, args: [FIXTURE_STDIO] },
    ];
    const holder = spawn(process.execPath, [HOLDER, JSON.stringify(configs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let pgids: number[] = [];
    try {
      const lines = createInterface({ input: holder.stdout });
      const line = await withTimeout(
        new Promise<string>((resolve) => lines.on('line', (l) => l.startsWith('CHILDREN ') && resolve(l))),
        60_000,
        'the children to start',
      );
      pgids = JSON.parse(line.slice('CHILDREN '.length)) as number[];
      assert.equal(pgids.length, 3);
      const npx = groupMembers(pgids[0]!);
      assert.ok(npx.length >= 2, `npx runs more than one process: ${npx.map((p) => p.cmdline).join(' | ')}`);
      assert.ok(groupMembers(pgids[1]!).some((p) => p.cmdline.startsWith('sleep 600')), 'the background helper runs in the group');
      const before = inGroups(pgids).length;

      holder.kill('SIGKILL');
      await expectGroupsGone(pgids, 10_000);
      assert.ok(before >= 6, `there was something to kill: ${before} processes`);
    } finally {
      holder.kill('SIGKILL');
      // Whatever happened above, leave nothing for the next test.
      for (const p of inGroups(pgids)) process.kill(p.pid, 'SIGKILL');
    }
  });
});
