// Makes sure the external tools some tests need are installed: promtool (the
// alert-rule tests), nginx and haproxy (proxy tests), chromium (console tests, a
// real browser) and prometheus (the Grafana dashboard test scrapes a real server). Called by scripts/test.mjs
// before the suite, or by hand: `node scripts/ensure-tools.mjs [--strict] [tool...]`.
//
// When a tool is on PATH this is only a PATH lookup. When one is missing and we
// run as root with apt-get (a Debian/Ubuntu CI image or container), its package
// is installed non-interactively; service start-up is blocked with policy-rc.d
// so nothing is left running or listening afterwards. Otherwise (not root, no
// apt-get, apt failed, DURABLE_MCP_NO_INSTALL=1) it prints a warning and
// continues: the tests that need the tool then fail (never skip, by hand as in CI).
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Tool name -> Debian package providing it, and the service its package may start. */
export const KNOWN_TOOLS = {
  promtool: { pkg: 'prometheus', service: 'prometheus' },
  nginx: { pkg: 'nginx', service: 'nginx' },
  haproxy: { pkg: 'haproxy', service: 'haproxy' },
  chromium: { pkg: 'chromium' },
  prometheus: { pkg: 'prometheus', service: 'prometheus' },
};

const POLICY_RC_D = '/usr/sbin/policy-rc.d';
// Daemons such as nginx and haproxy live in sbin, which a non-root PATH may lack.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

const log = (message) => process.stderr.write(`ensure-tools: ${message}\n`);

/** Absolute path of an executable named `name` on PATH (or in the sbin directories), else null. */
export function findTool(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function run(cmd, args, timeoutMs) {
  return new Promise((resolveRun) => {
    execFile(
      cmd,
      args,
      {
        timeout: timeoutMs,
        maxBuffer: 32 * 1024 * 1024,
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'l' },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolveRun({ code, output: `${stdout}${stderr}`.trim(), error });
      },
    );
  });
}

const tail = (text, lines = 8) => text.split('\n').slice(-lines).join('\n');

let updated; // apt-get update runs at most once per process

function aptUpdate() {
  updated ??= run('apt-get', ['update', '-qq', '-o', 'DPkg::Lock::Timeout=120'], 300_000);
  return updated;
}

/** Runs `body` with service start-up blocked (policy-rc.d exit 101), unless a policy is already in place. */
async function withServicesBlocked(body) {
  let ours = false;
  if (!existsSync(POLICY_RC_D)) {
    try {
      writeFileSync(POLICY_RC_D, '#!/bin/sh\n# written by durable-mcp scripts/ensure-tools.mjs during an install\nexit 101\n', { mode: 0o755 });
      ours = true;
    } catch (error) {
      log(`warning: could not write ${POLICY_RC_D} (${error.message}); services may start and will be stopped`);
    }
  }
  try {
    return await body();
  } finally {
    if (ours) {
      try {
        unlinkSync(POLICY_RC_D);
      } catch {
        // already gone
      }
    }
  }
}

/** Stops the package's service if its install started it anyway (a systemd host ignores policy-rc.d). */
async function stopService(service) {
  if (!service || !findTool('service')) return;
  const status = await run('service', [service, 'status'], 30_000);
  if (status.code !== 0) return; // not running (or no such service)
  const stopped = await run('service', [service, 'stop'], 60_000);
  log(stopped.code === 0 ? `stopped the ${service} service its package started` : `warning: could not stop the ${service} service:\n${tail(stopped.output)}`);
  if (findTool('update-rc.d')) await run('update-rc.d', [service, 'disable'], 30_000);
}

/**
 * Ensures each named tool is on PATH, installing known ones with apt-get when
 * possible. Never throws for a tool it cannot provide; returns name -> path (null when still missing).
 * @param {string[]} [names] tools to check (default: every known tool)
 * @returns {Promise<Record<string, string | null>>}
 */
export async function ensureTools(names = Object.keys(KNOWN_TOOLS)) {
  const found = {};
  const missing = [];
  for (const name of names) {
    found[name] = findTool(name);
    if (!found[name]) missing.push(name);
  }
  if (missing.length === 0) return found;

  const unknown = missing.filter((name) => !Object.hasOwn(KNOWN_TOOLS, name));
  for (const name of unknown) log(`warning: '${name}' is not installed and this script does not know its package`);
  const installable = missing.filter((name) => Object.hasOwn(KNOWN_TOOLS, name));
  if (installable.length === 0) return found;

  const why =
    process.env.DURABLE_MCP_NO_INSTALL === '1'
      ? 'DURABLE_MCP_NO_INSTALL=1'
      : typeof process.getuid !== 'function' || process.getuid() !== 0
        ? 'not running as root'
        : !findTool('apt-get')
          ? 'apt-get not available'
          : undefined;
  if (why) {
    for (const name of installable) {
      log(`warning: '${name}' is not installed and will not be installed (${why}); install Debian package '${KNOWN_TOOLS[name].pkg}' or equivalent. Tests needing it will fail.`);
    }
    return found;
  }

  const update = await aptUpdate();
  if (update.code !== 0) log(`warning: apt-get update failed (exit ${update.code}); trying the install anyway:\n${tail(update.output)}`);

  await withServicesBlocked(async () => {
    for (const name of installable) {
      const { pkg, service } = KNOWN_TOOLS[name];
      const started = Date.now();
      const install = await run(
        'apt-get',
        ['install', '-y', '-qq', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=120', pkg],
        600_000,
      );
      found[name] = findTool(name);
      if (install.code === 0 && found[name]) {
        log(`installed ${name} (Debian package ${pkg}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${found[name]}`);
      } else {
        log(`warning: installing ${name} (apt-get install ${pkg}) failed (exit ${install.code}); tests needing it will fail:\n${tail(install.output)}`);
      }
      await stopService(service);
    }
  });
  return found;
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const args = process.argv.slice(2);
  const strict = args.includes('--strict');
  const names = args.filter((arg) => arg !== '--strict');
  const result = await ensureTools(names.length > 0 ? names : undefined);
  const stillMissing = Object.entries(result).filter(([, path]) => !path).map(([name]) => name);
  for (const [name, path] of Object.entries(result)) if (path) log(`${name}: ${path}`);
  if (stillMissing.length > 0) log(`missing: ${stillMissing.join(', ')}`);
  process.exit(strict && stillMissing.length > 0 ? 1 : 0);
}
