/**
 * Import: writes an export back through the same repository calls as the
 * tools (lock, archive, handover), so every invariant and counter holds.
 *
 * Idempotent by construction: a version already present with the same
 * content, priority and tags is skipped, a handover already present (same
 * time and summary) is skipped, so importing the same file twice changes
 * nothing, and an import cut short is finished by running it again. A topic
 * whose stored versions differ from the file's is reported as a conflict and
 * left alone: the import never rewrites or hides what a store already holds.
 * The whole file is validated before the first write.
 */
import { MemoryError } from '../errors.js';
import { archiveVersions, lockContext } from '../repo/contexts.js';
import { topicHistory } from '../repo/dump.js';
import { hasHandover, saveHandover } from '../repo/handovers.js';
import { ensureProject, findProject } from '../repo/projects.js';
import * as s from '../schemas.js';
import type { Db, Project } from '../sql.js';
import { sha256 } from './export.js';
import { MANIFEST, manifestSchema, type Manifest, type ProjectEntry, type TopicEntry } from './manifest.js';
import { decodeText, readZip, type ZipLimits } from './zip.js';

export interface ImportOptions {
  /** Write every project under this principal (the console's signed-in user, the CLI's --principal). Default: each project's own. */
  as?: string;
  limits?: ZipLimits;
}

export interface ProjectReport {
  principal: string;
  name: string;
  created: boolean;
  versionsImported: number;
  versionsPresent: number;
  versionsArchived: number;
  handoversImported: number;
  handoversPresent: number;
  /** Topics left alone because the store holds different versions under the same numbers. */
  conflicts: Array<{ topic: string; reason: string }>;
}

export interface ImportReport {
  projects: ProjectReport[];
  /** False when the import wrote nothing (everything was already there). */
  changed: boolean;
}

export const DEFAULT_IMPORT_LIMITS: ZipLimits = { maxBytes: 512 * 1024 * 1024, maxEntries: 1_000_000 };

export async function importMemory(db: Db, data: Uint8Array, options: ImportOptions = {}): Promise<ImportReport> {
  const files = readZip(data, options.limits ?? DEFAULT_IMPORT_LIMITS);
  const manifest = parseManifest(files.get(MANIFEST));
  const principals = new Set(manifest.projects.map((p) => p.principal));
  if (options.as !== undefined && principals.size > 1) {
    throw new MemoryError(`This file holds the memory of ${principals.size} principals; import it whole (the CLI without --principal).`);
  }
  const contents = checkContents(manifest, files);
  const reports: ProjectReport[] = [];
  for (const entry of manifest.projects) reports.push(await importProject(db, options.as ?? entry.principal, entry, contents));
  const changed = reports.some((r) => r.created || r.versionsImported > 0 || r.handoversImported > 0);
  return { projects: reports, changed };
}

function parseManifest(bytes: Uint8Array | undefined): Manifest {
  if (!bytes) throw new MemoryError(`The archive has no ${MANIFEST}: it is not a durable-mcp memory export.`);
  let json: unknown;
  try {
    json = JSON.parse(decodeText(MANIFEST, bytes));
  } catch (error) {
    if (error instanceof MemoryError) throw error;
    throw new MemoryError(`${MANIFEST} is not valid JSON (${(error as Error).message}).`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new MemoryError(`${MANIFEST} is not a valid export manifest: ${issues.join('; ')}`);
  }
  const seen = new Set<string>();
  for (const p of parsed.data.projects) {
    const key = `${p.principal}\n${p.name.toLowerCase()}`;
    if (seen.has(key)) throw new MemoryError(`${MANIFEST} lists project ${JSON.stringify(p.name)} of ${p.principal} twice.`);
    seen.add(key);
    const topics = new Set<string>();
    for (const t of p.topics) {
      if (topics.has(t.topic.toLowerCase())) throw new MemoryError(`${MANIFEST} lists topic ${JSON.stringify(t.topic)} twice in ${JSON.stringify(p.name)}.`);
      topics.add(t.topic.toLowerCase());
    }
  }
  return parsed.data;
}

/** Every version's file: present, matching its checksum, valid text within the content limit. Keyed by file path. */
function checkContents(manifest: Manifest, files: Map<string, Uint8Array>): Map<string, string> {
  const contents = new Map<string, string>();
  for (const p of manifest.projects) {
    for (const t of p.topics) {
      for (const v of t.versions) {
        const bytes = files.get(v.file);
        if (!bytes) throw new MemoryError(`${v.file} (version ${v.version} of ${JSON.stringify(t.topic)}) is missing from the archive.`);
        const text = decodeText(v.file, bytes);
        if (sha256(text) !== v.sha256) throw new MemoryError(`${v.file} does not match its sha256 in ${MANIFEST}: the file was changed or damaged.`);
        const valid = s.content.safeParse(text);
        if (!valid.success) throw new MemoryError(`${v.file}: ${valid.error.issues[0]?.message ?? 'invalid content'}`);
        contents.set(v.file, text);
      }
    }
  }
  return contents;
}

async function importProject(db: Db, principal: string, entry: ProjectEntry, contents: Map<string, string>): Promise<ProjectReport> {
  const existing = await findProject(db, principal, entry.name);
  const project = existing ?? (await ensureProject(db, principal, entry.name));
  const report: ProjectReport = {
    principal,
    name: project.name,
    created: !existing,
    versionsImported: 0,
    versionsPresent: 0,
    versionsArchived: 0,
    handoversImported: 0,
    handoversPresent: 0,
    conflicts: [],
  };
  for (const topic of entry.topics) await importTopic(db, principal, project, topic, contents, report);
  for (const h of entry.handovers) {
    if (await hasHandover(db, principal, project.id, h.createdAt, h.summary)) {
      report.handoversPresent += 1;
      continue;
    }
    await saveHandover(db, { principal, clientName: h.client }, project, {
      summary: h.summary,
      nextSteps: h.nextSteps,
      openQuestions: h.openQuestions,
      createdAt: h.createdAt,
    });
    report.handoversImported += 1;
  }
  return report;
}

async function importTopic(db: Db, principal: string, project: Project, topic: TopicEntry, contents: Map<string, string>, report: ProjectReport): Promise<void> {
  const history = await topicHistory(db, principal, project.id, topic.topic);
  const created: TopicEntry['versions'] = [];
  for (const v of topic.versions) {
    const content = contents.get(v.file)!;
    const tags = s.normalizeTags(v.tags);
    const have = history[v.version - 1];
    if (have) {
      if (have.content === content && have.priority === v.priority && sameTags(have.tags, tags)) {
        report.versionsPresent += 1;
        continue;
      }
      report.conflicts.push({ topic: topic.topic, reason: `version ${v.version} in the store differs from the file's; the topic was left as it is` });
      break;
    }
    try {
      await lockContext(db, principal, project, { topic: topic.topic, content, tags, priority: v.priority, createdAt: v.createdAt, expectVersion: v.version, replay: true });
    } catch (error) {
      if (!(error instanceof MemoryError)) throw error;
      report.conflicts.push({ topic: topic.topic, reason: error.message });
      break;
    }
    created.push(v);
    report.versionsImported += 1;
  }
  // Archive state is applied only to versions this import wrote: a version already there keeps what its owner chose.
  const archived = created.filter((v) => v.archived).map((v) => v.version);
  if (archived.length === 0) return;
  if (archived.length === topic.versions.length) {
    await archiveVersions(db, principal, project, topic.topic, 'all');
  } else {
    for (const version of archived) await archiveVersions(db, principal, project, topic.topic, version);
  }
  report.versionsArchived += archived.length;
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}
