/**
 * test/conformance/expected-failures.json: every conformance scenario that
 * fails, with why and which of our issues owns it. The test holds the
 * failures to exactly this list: a new failure fails it, and so does an entry
 * whose scenario now passes (remove it). The goal is an empty list.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioResult } from './runner.js';
import { toolDir } from './tools.js';

export interface ExpectedFailure {
  /** Which run (see RUNS in conformance.test.ts), e.g. `2026-07-28` or `restart/2025-11-25`. */
  run: string;
  scenario: string;
  /** Our issue: 2 durable runtime, 4 operations, 6 scale-out, 7 conformance. */
  issue: 2 | 4 | 6 | 7;
  reason: string;
}

interface ExpectedFailuresFile {
  failures: ExpectedFailure[];
}

/** Read from the source tree (not the build output), so editing the list needs no rebuild. */
export function expectedFailuresPath(): string {
  return join(toolDir(), '..', '..', 'test', 'conformance', 'expected-failures.json');
}

export function loadExpectedFailures(): ExpectedFailure[] {
  const file = JSON.parse(readFileSync(expectedFailuresPath(), 'utf8')) as ExpectedFailuresFile;
  if (!Array.isArray(file.failures)) throw new Error(`${expectedFailuresPath()}: expected { "failures": [...] }`);
  for (const entry of file.failures) {
    if (typeof entry.run !== 'string' || typeof entry.scenario !== 'string' || typeof entry.reason !== 'string' || ![2, 4, 6, 7].includes(entry.issue)) {
      throw new Error(`${expectedFailuresPath()}: malformed entry ${JSON.stringify(entry)} (needs run, scenario, issue 2|4|6|7, reason)`);
    }
  }
  return file.failures;
}

/** Everything wrong with one run's results against the list; empty when they match exactly. */
export function compareWithExpected(run: string, results: readonly ScenarioResult[], expected: readonly ExpectedFailure[]): string[] {
  const listed = new Map(expected.filter((e) => e.run === run).map((e) => [e.scenario, e]));
  const problems: string[] = [];
  for (const result of results) {
    const entry = listed.get(result.scenario);
    listed.delete(result.scenario);
    if (!result.passed && !entry) {
      problems.push(`[${run}] ${result.scenario} FAILS and is not in expected-failures.json:\n      ${result.failures.join('\n      ')}`);
    } else if (result.passed && entry) {
      problems.push(`[${run}] ${result.scenario} now PASSES: remove its entry (issue ${entry.issue}) from ${expectedFailuresPath()}`);
    }
  }
  for (const entry of listed.values()) {
    problems.push(`[${run}] ${entry.scenario} is listed in expected-failures.json but was not run: remove or fix the entry`);
  }
  return problems;
}

export interface RunOutcome {
  run: string;
  results: readonly ScenarioResult[];
}

/** A plain-text table: run, scenario, result, and check counts. */
export function renderTable(outcomes: readonly RunOutcome[], expected: readonly ExpectedFailure[]): string {
  const rows: string[][] = [['run', 'scenario', 'result', 'checks ok/fail/warn']];
  for (const { run, results } of outcomes) {
    for (const r of results) {
      const entry = expected.find((e) => e.run === run && e.scenario === r.scenario);
      const verdict = r.passed ? (entry ? 'PASS (listed as failing!)' : 'pass') : entry ? `expected fail (#${entry.issue})` : 'FAIL';
      rows.push([run, r.scenario, verdict, `${r.successes}/${r.failures.length}/${r.warnings.length}`]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const format = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [format(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(format)].join('\n');
}

/**
 * Checks that pass in `baseline` but not in `candidate` (the same scenarios
 * with restarts): a restart may cost a SHOULD (a WARNING) without failing the
 * scenario, so scenario verdicts alone would hide it.
 */
export function lostChecks(candidate: RunOutcome, baseline: RunOutcome): string[] {
  const lost: string[] = [];
  for (const result of candidate.results) {
    const before = baseline.results.find((r) => r.scenario === result.scenario);
    if (!before) continue;
    const now = new Set(result.passedChecks);
    for (const id of new Set(before.passedChecks)) {
      if (!now.has(id)) {
        const why = [...result.failures, ...result.warnings].filter((line) => line.startsWith(`${id}:`)).join('; ') || 'not reported';
        lost.push(`[${candidate.run}] ${result.scenario}: check ${id} passes in ${baseline.run} but not here (${why})`);
      }
    }
  }
  return lost;
}
