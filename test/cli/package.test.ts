/**
 * What a user gets from `npm pack` in a clone, installed the way anyone
 * installs a tarball, in a directory of its own: the `durable-mcp` bin runs
 * (shebang, executable), `serve` starts the memory app, and the bridge from
 * that install carries a stock stdio client to it. Nothing under dist/src may
 * need a devDependency or a file outside the package at run time.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import ts from 'typescript';
import { killAll, spawnProcess } from '../../harness/process.js';
import { removeTempDir, tempDir } from '../../harness/temp.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};

/** Every module specifier a compiled file imports, statically or dynamically (comments and strings ignored). */
function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

describe('the npm pack tarball, installed', { timeout: 120_000 }, () => {
  let dir = '';
  let installed = '';
  let bin = '';
  let database: TestDatabase | undefined;

  before(async () => {
    dir = tempDir('durable-mcp-pack');
    // `prepack` runs scripts/prepare.mjs, so a fresh clone packs compiled code. The suite was just built by that
    // same script, so the test skips it (--ignore-scripts) rather than pay for a second, empty compile.
    assert.equal(manifest.scripts.prepack, 'node scripts/prepare.mjs --clean');
    const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    assert.ok(info, 'npm pack reported its tarball');
    const files = info.files.map((f) => f.path);
    assert.ok(files.includes('dist/src/cli/main.js') && files.includes('README.md') && files.includes('package.json') && files.includes('LICENSE'));
    const strays = files.filter((f) => !f.startsWith('dist/src/') && !['README.md', 'LICENSE', 'package.json'].includes(f));
    assert.deepEqual(strays, [], 'nothing but the compiled library, the README, the licence and the manifest');
    assert.deepEqual(files.filter((f) => f.endsWith('.map')), [], 'no source maps pointing at sources that are not shipped');

    // As the README says: into a directory of its own, with its production dependencies only (from npm's cache
    // when it has them, the registry otherwise).
    const project = join(dir, 'install');
    await run('npm', ['install', '--prefix', project, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(dir, info.filename)], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });
    installed = join(project, 'node_modules', manifest.name);
    bin = join(project, 'node_modules', '.bin', 'durable-mcp');
  });

  after(async () => {
    await killAll();
    if (dir) removeTempDir(dir);
    await database?.drop();
  });

  it('runs its bin directly: --help, --version, bridge --help', async () => {
    accessSync(bin, constants.X_OK);
    assert.match(readFileSync(bin, 'utf8').split('\n')[0] ?? '', /^#!\/usr\/bin\/env node$/);
    const help = await run(bin, ['--help']);
    assert.match(help.stdout, /durable-mcp serve \[options\]/);
    assert.match(help.stdout, /durable-mcp bridge <url>/);
    assert.equal((await run(bin, ['--version'])).stdout.trim(), manifest.version);
    assert.match((await run(bin, ['bridge', '--help'])).stdout, /Usage: durable-mcp bridge <url>/);
  });

  it('imports nothing at run time but its dependencies, node built-ins and its own files', () => {
    const allowed = new Set(Object.keys(manifest.dependencies));
    const library = join(installed, 'dist', 'src');
    const problems: string[] = [];
    for (const name of readdirSync(library, { recursive: true }) as string[]) {
      if (!name.endsWith('.js')) continue;
      const file = join(library, name);
      for (const specifier of importsOf(file)) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          if (relative(library, target).startsWith('..')) problems.push(`${name} imports ${specifier}, outside the package's library`);
          else {
            try {
              accessSync(target);
            } catch {
              problems.push(`${name} imports ${specifier}, which is not in the package`);
            }
          }
        } else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier) && !allowed.has(packageNameOf(specifier))) {
          problems.push(`${name} imports ${specifier}, which is not a dependency`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('serves the memory app, and its bridge carries a stock stdio client to it', async () => {
    // PostgreSQL rather than a new PGlite store: the same code from the package, without a WASM initdb on a busy machine.
    database = await createTestDatabase();
    const server = await spawnProcess({
      name: 'the installed durable-mcp serve',
      command: bin,
      args: ['serve', '--port', '0', '--store', database.url],
      env: { DATABASE_URL: '' },
      ready: { line: (l) => l.event === 'server_started' },
      timeoutMs: 60_000,
    });
    const url = String(server.readyLine!.url);

    const transport = new StdioClientTransport({ command: bin, args: ['bridge', url, '--quiet'], env: getDefaultEnvironment(), stderr: 'pipe' });
    const client = new Client({ name: 'desktop-host', version: '1.0.0' });
    try {
      await client.connect(transport);
      assert.match(client.getServerVersion()?.name ?? '', /via durable-mcp bridge/);
      const tools = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(tools.includes('wake_up') && tools.includes('lock_context'), tools.join(', '));
      const projects = await client.callTool({ name: 'list_projects', arguments: {} });
      assert.ok(!projects.isError, JSON.stringify(projects));
    } finally {
      await client.close();
    }
  });
});

describe('the docs', () => {
  it('never install durable-mcp from the registry: the name is not published, so it would run a stranger\'s code', () => {
    const docs = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => join('docs', f))].filter((f) => f.endsWith('.md'));
    const fetches = /\bnpx\s+(?:-y\s+|--yes\s+)?durable-mcp\b|\bnpm\s+(?:i|install)\s+(?:-g\s+)?durable-mcp\b|"-y",\s*"durable-mcp"/;
    const offenders = docs.filter((f) => fetches.test(readFileSync(join(root, f), 'utf8')));
    assert.deepEqual(offenders, [], 'documents only the built CLI and the packed tarball');
  });
});
