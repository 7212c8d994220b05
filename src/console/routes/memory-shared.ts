/** What the memory routes share: URLs, the caller's project, and form fields checked with the tools' own schemas. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { findProject } from '../../apps/memory/repo/projects.js';
import { findTopic, type TopicRow } from '../../apps/memory/repo/topics.js';
import * as s from '../../apps/memory/schemas.js';
import type { Db, Project } from '../../apps/memory/sql.js';
import type { ConsoleEnv, Viewer } from '../env.js';
import { badInput, notFound } from '../errors.js';

export const projectUrl = (project: string, sub = ''): string => `/console/memory/projects/${encodeURIComponent(project)}${sub}`;

export function topicUrl(project: string, topic: string, extra: Record<string, string | number> = {}, sub = ''): string {
  const query = new URLSearchParams({ name: topic, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])) });
  return `${projectUrl(project, `/topic${sub}`)}?${query.toString()}`;
}

export function viewerOf(c: Context<ConsoleEnv>): Viewer {
  const viewer = c.get('viewer');
  if (!viewer) throw new Error('memory route reached without a viewer'); // requireViewer runs first
  return viewer;
}

/** The viewer's project named in the path; another principal's project is indistinguishable from none. */
export async function projectOf(c: Context<ConsoleEnv>, db: Db): Promise<Project> {
  const name = c.req.param('project') ?? '';
  const project = name.length <= 200 ? await findProject(db, viewerOf(c).principal, name) : undefined;
  if (!project) throw notFound(`You have no project named ${JSON.stringify(name.slice(0, 200))}.`);
  return project;
}

/** The topic named by `?name=` (or a form field), which must exist in the project. */
export async function topicOf(db: Db, principal: string, project: Project, raw: unknown): Promise<TopicRow> {
  const topic = valid(s.topic, raw, 'topic');
  const row = await findTopic(db, principal, project.id, topic);
  if (!row || row.latest_version === 0) throw notFound(`No context named ${JSON.stringify(topic)} in ${JSON.stringify(project.name)}.`);
  return row;
}

/** The version a topic page shows by default: the current one, or for a fully archived topic its newest. */
export const shownVersion = (row: TopicRow): number => row.current_version ?? row.latest_version;

/** Parses with the memory tools' own schema; its message becomes the 400 page. */
export function valid<T extends z.ZodType>(schema: T, raw: unknown, field: string): z.output<T> {
  const parsed = schema.safeParse(typeof raw === 'string' ? raw : raw === undefined ? undefined : String(raw));
  if (!parsed.success) throw badInput(parsed.error.issues[0]?.message ?? `${field} is not valid`);
  return parsed.data;
}

/** A version number from a query or form string ("3"), checked like the tools' `version`. */
export function versionOf(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,10}$/.test(raw)) throw badInput('version must be a whole number');
  const parsed = s.version.safeParse(Number(raw));
  if (!parsed.success) throw badInput(parsed.error.issues[0]?.message ?? 'version is not valid');
  return parsed.data;
}

/** Tags typed as "a, b, c", checked and normalized exactly as lock_context does. */
export function tagsOf(raw: unknown): string[] {
  const text = typeof raw === 'string' ? raw : '';
  const list = text.split(',').map((t) => t.trim()).filter(Boolean);
  const parsed = s.tags.safeParse(list);
  if (!parsed.success) throw badInput(parsed.error.issues[0]?.message ?? 'tags are not valid');
  return s.normalizeTags(parsed.data);
}

/** A string form field (files and absent fields read as undefined). */
export function field(form: Record<string, string | File>, name: string): string | undefined {
  const value = form[name];
  return typeof value === 'string' ? value : undefined;
}
