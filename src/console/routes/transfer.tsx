/** Export (a zip download) and import (an upload) of the viewer's memory, with the same code as the CLI. */
import type { Context, Hono } from 'hono';
import { MemoryError } from '../../apps/memory/errors.js';
import { listProjects } from '../../apps/memory/repo/projects.js';
import type { Db } from '../../apps/memory/sql.js';
import { exportMemory } from '../../apps/memory/transfer/export.js';
import { importMemory } from '../../apps/memory/transfer/import.js';
import { slug } from '../../apps/memory/transfer/layout.js';
import type { ConsoleEnv } from '../env.js';
import { chromeOf, page, type ChromeSource } from '../render.js';
import { ImportResultPage, ProjectsPage } from '../views/memory/projects.js';
import { projectOf, viewerOf } from './memory-shared.js';

/** Extracted size allowed per uploaded byte: Markdown deflates about 3-5x; 20x leaves room without inviting zip bombs. */
const INFLATION = 20;

function download(c: Context<ConsoleEnv>, zip: Uint8Array, name: string): Response {
  c.header('content-type', 'application/zip');
  c.header('content-disposition', `attachment; filename="${name}"`);
  // fflate allocates a plain ArrayBuffer (never a SharedArrayBuffer), which is what the cast states.
  return c.body(zip as Uint8Array<ArrayBuffer>);
}

export function mountTransfer(app: Hono<ConsoleEnv>, db: Db, chrome: ChromeSource, maxImportBytes: number): void {
  const stamp = () => new Date().toISOString().slice(0, 10);

  app.get('/memory/export', async (c) => {
    const { principal } = viewerOf(c);
    const { zip } = await exportMemory(db, { principal });
    return download(c, zip, `memory-${slug(principal)}-${stamp()}.zip`);
  });

  app.get('/memory/projects/:project/export', async (c) => {
    const project = await projectOf(c, db);
    const { zip } = await exportMemory(db, { principal: viewerOf(c).principal, project: project.name });
    return download(c, zip, `memory-${slug(project.name)}-${stamp()}.zip`);
  });

  app.post('/memory/import', async (c) => {
    const { principal } = viewerOf(c);
    const file = c.get('form').file;
    const fail = async (message: string) =>
      page(c, <ProjectsPage chrome={chromeOf(c, chrome)} projects={await listProjects(db, principal)} error={message} />, 400);
    if (!(file instanceof File) || file.size === 0) return fail('Choose a zip file to import.');
    try {
      const report = await importMemory(db, new Uint8Array(await file.arrayBuffer()), {
        as: principal,
        limits: { maxBytes: maxImportBytes * INFLATION, maxEntries: 1_000_000 },
      });
      return page(c, <ImportResultPage chrome={chromeOf(c, chrome)} report={report} />);
    } catch (error) {
      if (error instanceof MemoryError) return fail(`Nothing was imported: ${error.message}`);
      throw error;
    }
  });
}
