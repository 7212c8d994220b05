/**
 * The export format: a zip of Markdown files (one per context version, one per
 * handover) and `manifest.json`, which says what each file is. The manifest is
 * what an import trusts; the Markdown files are for people (and carry the
 * exact stored content, checked against the manifest's sha256).
 */
import { z } from 'zod';
import { LIMITS } from '../limits.js';
import * as s from '../schemas.js';

export const FORMAT = 'durable-mcp/memory-export';
export const FORMAT_VERSION = 1;
export const MANIFEST = 'manifest.json';

/** The API-key principal rule, plus the name callers get without keys. */
const principal = z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, { error: 'principal must be 1-128 letters, digits or . _ @ -' });
const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time' });
const path = z
  .string()
  .max(400)
  .regex(/^[A-Za-z0-9._@-]+(\/[A-Za-z0-9._@-]+)*$/, { error: 'file paths are relative, made of letters, digits and . _ @ -' })
  .refine((p) => !p.split('/').some((part) => part === '..' || part === '.'), { error: 'file paths may not contain . or ..' });

const versionEntry = z.object({
  version: s.version,
  priority: s.priority,
  tags: s.tags,
  createdAt: isoTime,
  archived: z.boolean(),
  file: path,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'sha256 must be 64 lowercase hex digits' }),
});

const topicEntry = z
  .object({ topic: s.topic, versions: z.array(versionEntry).min(1) })
  .refine((t) => t.versions.every((v, i) => v.version === i + 1), { error: 'versions must run 1, 2, 3, ... without gaps' });

const handoverEntry = z.object({
  summary: z.string().trim().min(1).max(LIMITS.summary),
  nextSteps: s.listItems('nextSteps'),
  openQuestions: s.listItems('openQuestions'),
  client: z.string().max(200),
  createdAt: isoTime,
  file: path,
});

const projectEntry = z.object({
  principal,
  name: s.projectName,
  topics: z.array(topicEntry),
  handovers: z.array(handoverEntry),
});

export const manifestSchema = z.object({
  format: z.literal(FORMAT, { error: `format must be "${FORMAT}": this is not a durable-mcp memory export` }),
  formatVersion: z.literal(FORMAT_VERSION, { error: `formatVersion ${FORMAT_VERSION} is the only one this version reads` }),
  exportedAt: isoTime,
  generator: z.string().max(200),
  projects: z.array(projectEntry),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ProjectEntry = Manifest['projects'][number];
export type TopicEntry = ProjectEntry['topics'][number];
export type HandoverEntry = ProjectEntry['handovers'][number];
