/**
 * Export: a principal's projects (or the whole store's) as a zip of Markdown
 * files plus manifest.json. Reads go through the repository, like the tools.
 */
import { createHash } from 'node:crypto';
import { MemoryError } from '../errors.js';
import { allProjectNames, listPrincipals, projectVersions, versionContents } from '../repo/dump.js';
import { listHandovers, type Handover } from '../repo/handovers.js';
import { findProject } from '../repo/projects.js';
import type { Sql } from '../sql.js';
import { SlugSet, handoverMarkdown } from './layout.js';
import { FORMAT, FORMAT_VERSION, MANIFEST, type Manifest, type ProjectEntry } from './manifest.js';
import { buildZip } from './zip.js';

export interface ExportScope {
  /** One principal's memory; default: every principal in the store. */
  principal?: string;
  /** One project (by name, case-insensitive); needs `principal`. */
  project?: string;
}

export interface ExportResult {
  zip: Uint8Array;
  manifest: Manifest;
}

/** Topics whose contents are read per query: bounds the rows in flight, not the archive. */
const CONTENT_BATCH = 200;
const HANDOVER_PAGE = 500;

export async function exportMemory(db: Sql, scope: ExportScope, now = new Date()): Promise<ExportResult> {
  if (scope.project !== undefined && scope.principal === undefined) throw new MemoryError('Exporting one project needs its principal.');
  const principals = scope.principal !== undefined ? [scope.principal] : await listPrincipals(db);
  const files = new Map<string, string>();
  const projects: ProjectEntry[] = [];
  const principalDirs = new SlugSet();
  for (const principal of principals) {
    const names = scope.project !== undefined ? [scope.project] : await allProjectNames(db, principal);
    const dir = principalDirs.take(principal);
    const projectDirs = new SlugSet();
    for (const name of names) {
      const project = await findProject(db, principal, name);
      if (!project) throw new MemoryError(`No project named ${JSON.stringify(name)} for ${principal}.`);
      projects.push(await exportProject(db, principal, project.id, project.name, `${dir}/${projectDirs.take(project.name)}`, files));
    }
  }
  const manifest: Manifest = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    exportedAt: now.toISOString(),
    generator: 'durable-mcp memory',
    projects,
  };
  files.set(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  return { zip: buildZip(files, now), manifest };
}

async function exportProject(db: Sql, principal: string, projectId: string, name: string, dir: string, files: Map<string, string>): Promise<ProjectEntry> {
  const topics = await projectVersions(db, principal, projectId);
  const topicDirs = new SlugSet();
  const entry: ProjectEntry = { principal, name, topics: [], handovers: [] };
  for (let i = 0; i < topics.length; i += CONTENT_BATCH) {
    const batch = topics.slice(i, i + CONTENT_BATCH);
    const contents = await versionContents(db, principal, batch.map((t) => t.topicId));
    for (const t of batch) {
      const topicDir = `${dir}/contexts/${topicDirs.take(t.topic)}`;
      entry.topics.push({
        topic: t.topic,
        versions: t.versions.map((v) => {
          const content = contents.get(`${t.topicId}:${v.version}`);
          if (content === undefined) throw new Error(`content of ${t.topicId}:${v.version} missing`);
          const file = `${topicDir}/v${v.version}.md`;
          files.set(file, content);
          return { ...v, file, sha256: sha256(content) };
        }),
      });
    }
  }
  for (const h of await allHandovers(db, principal, projectId)) {
    const file = `${dir}/handovers/${String(entry.handovers.length + 1).padStart(4, '0')}.md`;
    files.set(file, handoverMarkdown(h));
    entry.handovers.push({ summary: h.summary, nextSteps: h.nextSteps, openQuestions: h.openQuestions, client: h.client, createdAt: h.createdAt, file });
  }
  return entry;
}

/** Oldest first: the order an import writes them back in. */
async function allHandovers(db: Sql, principal: string, projectId: string): Promise<Handover[]> {
  const all: Handover[] = [];
  for (let before: string | undefined; ; ) {
    const page = await listHandovers(db, principal, projectId, { limit: HANDOVER_PAGE, ...(before && { before }) });
    all.push(...page);
    if (page.length < HANDOVER_PAGE) break;
    before = page.at(-1)!.id;
  }
  return all.reverse();
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
