/**
 * Runs the conformance CLI (`conformance server --url ...`) as a child
 * process and reads its verdicts back from the per-scenario `checks.json`
 * files it writes with `-o <dir>` (one `server-<scenario>-<timestamp>/`
 * directory per scenario). A scenario fails when any of its checks is a
 * FAILURE; WARNING (a SHOULD not met) and SKIPPED do not fail it, exactly as
 * the CLI's own exit code and baseline logic judge it.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDir, tempDir } from '../../harness/temp.js';
import type { ConformanceTools, SuiteLine } from './tools.js';

export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';

export interface Check {
  id: string;
  name?: string;
  status: CheckStatus;
  errorMessage?: string;
  details?: unknown;
}

export interface ScenarioResult {
  scenario: string;
  passed: boolean;
  successes: number;
  /** `<check id>: <error message>` for each FAILURE. */
  failures: string[];
  /** `<check id>: <error message>` for each WARNING. */
  warnings: string[];
  /** Ids of the checks that passed (SUCCESS), to compare one run with another. */
  passedChecks: string[];
}

export interface SuiteRun {
  line: SuiteLine;
  url: string;
  /** The protocol revision (wire) the scenarios run at. */
  specVersion: '2025-11-25' | '2026-07-28';
  /** Run these scenarios one by one; default: every scenario of `specVersion` (`--suite all`). */
  scenarios?: readonly string[];
  timeoutMs?: number;
}

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(tools: ConformanceTools, line: SuiteLine, args: string[], timeoutMs: number): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(
      tools.node,
      [tools.cli[line], ...args],
      // NO_COLOR keeps the captured output readable; the verdicts come from checks.json anyway.
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The server scenarios a suite line runs at a revision (`conformance list --server --spec-version`). */
export async function listScenarios(tools: ConformanceTools, line: SuiteLine, specVersion: string): Promise<string[]> {
  const result = await exec(tools, line, ['list', '--server', '--spec-version', specVersion], 60_000);
  if (result.code !== 0) throw new Error(`conformance list failed (exit ${result.code}): ${result.stderr.slice(-2000)}`);
  return [...result.stdout.matchAll(/^\s+- (\S+) \[[^\]]*\]$/gm)].map((m) => m[1]!);
}

const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

function readResults(dir: string): Map<string, Check[]> {
  const results = new Map<string, Check[]>();
  for (const entry of readdirSync(dir)) {
    const match = RESULT_DIR.exec(entry);
    if (!match) continue;
    results.set(match[1]!, JSON.parse(readFileSync(join(dir, entry, 'checks.json'), 'utf8')) as Check[]);
  }
  return results;
}

function summarize(scenario: string, checks: Check[] | undefined, missingReason: string): ScenarioResult {
  if (!checks) return { scenario, passed: false, successes: 0, failures: [`(no result) ${missingReason}`], warnings: [], passedChecks: [] };
  const line = (c: Check) => `${c.id}: ${c.errorMessage ?? c.name ?? ''}`.trim();
  const failures = checks.filter((c) => c.status === 'FAILURE').map(line);
  return {
    scenario,
    passed: failures.length === 0,
    successes: checks.filter((c) => c.status === 'SUCCESS').length,
    failures,
    warnings: checks.filter((c) => c.status === 'WARNING').map(line),
    passedChecks: checks.filter((c) => c.status === 'SUCCESS').map((c) => c.id),
  };
}

/**
 * Runs a suite and returns one result per expected scenario. A scenario the
 * CLI did not report (it crashed, or timed out) counts as failed, with the
 * CLI's output tail as the reason, so nothing can pass by going missing.
 */
export async function runSuite(tools: ConformanceTools, run: SuiteRun): Promise<ScenarioResult[]> {
  const expected = run.scenarios ?? (await listScenarios(tools, run.line, run.specVersion));
  const out = tempDir('durable-mcp-conformance');
  const base = ['server', '--url', run.url, '--spec-version', run.specVersion, '-o', out];
  const timeoutMs = run.timeoutMs ?? 10 * 60_000;
  const tails: string[] = [];
  let found: Map<string, Check[]>;
  try {
    if (run.scenarios) {
      for (const scenario of run.scenarios) {
        const result = await exec(tools, run.line, [...base, '--scenario', scenario], timeoutMs);
        if (result.code !== 0) tails.push(`${scenario}: exit ${result.code}; ${result.stderr.slice(-500)}`);
      }
    } else {
      const result = await exec(tools, run.line, [...base, '--suite', 'all'], timeoutMs);
      if (result.code !== 0) tails.push(`exit ${result.code}; ${result.stderr.slice(-1000)}; ${result.stdout.slice(-1000)}`);
    }
    found = readResults(out);
  } finally {
    removeTempDir(out);
  }
  return expected.map((scenario) => summarize(scenario, found.get(scenario), tails.join(' | ') || 'the CLI wrote no checks.json for it'));
}
