import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot } from '../../harness/paths.js';
import { findTool } from '../../harness/tools.js';

const root = repoRoot();
const promtool = findTool('promtool');
const MISSING =
  'promtool not installed: install the Debian package "prometheus" (node scripts/ensure-tools.mjs promtool, as root) ' +
  'or a Prometheus release tarball, and put promtool on PATH';

/**
 * A missing promtool is a failure, never a skip, wherever the suite runs: a run by hand must not pass while the
 * alert rules went unchecked (`npm test` installs promtool when it runs as root on Debian).
 */
function requirePromtool(): string {
  if (!promtool) assert.fail(MISSING);
  return promtool;
}

function runPromtool(bin: string, args: string[]): void {
  const result = spawnSync(bin, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
  const output = `$ promtool ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}`;
  assert.equal(result.error, undefined, `${output}\n${String(result.error)}`);
  assert.equal(result.status, 0, output);
}

describe('ops/alerts.yml', () => {
  test('promtool check rules accepts the alert rules', () => {
    runPromtool(requirePromtool(), ['check', 'rules', 'ops/alerts.yml']);
  });

  test('promtool unit tests pass (each alert fires when it should and stays quiet when it should not)', () => {
    runPromtool(requirePromtool(), ['test', 'rules', 'ops/alerts.test.yml']);
  });

  test('every alert has a firing case in ops/alerts.test.yml', () => {
    const rules = readFileSync(join(root, 'ops', 'alerts.yml'), 'utf8');
    const tests = readFileSync(join(root, 'ops', 'alerts.test.yml'), 'utf8');
    const alerts = [...rules.matchAll(/^\s*- alert:\s*(\S+)\s*$/gm)].map((m) => m[1]);
    assert.ok(alerts.length >= 8, `expected the alert rules, found ${alerts.join(', ')}`);
    // A firing case: an alert_rule_test for the alert whose exp_alerts is a non-empty list.
    const firing = new Set(
      [...tests.matchAll(/- alertname:\s*(\S+)\s*\n\s*eval_time:\s*\S+\s*\n\s*exp_alerts:\s*\n\s*- exp_labels:/g)].map((m) => m[1]),
    );
    const untested = alerts.filter((name) => !firing.has(name!));
    assert.deepEqual(untested, [], `alerts without a firing test case: ${untested.join(', ')}`);
    for (const name of alerts) assert.match(tests, new RegExp(`alertname: ${name}\\s*\\n\\s*eval_time: \\S+\\s*\\n\\s*exp_alerts: \\[\\]`), `${name} has no case where it must stay quiet`);
  });
});
