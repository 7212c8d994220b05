/**
 * Projects and the caller's selected project. The selection lives in its own
 * table keyed by (principal, client name), never in session state: a
 * reconnect, a new session or a restart must not lose it.
 */
import { MemoryError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { iso, type Caller, type Project, type Sql } from '../sql.js';

function projectColumns(alias: string): string {
  const a = alias ? `${alias}.` : '';
  return `${a}id::text AS id, ${a}name, ${a}created_at, ${a}updated_at, ${a}topics_active, ${a}topics_archived,
    ${a}versions_total, ${a}versions_archived, ${a}handovers`;
}
const PROJECT_COLUMNS = projectColumns('');

export interface ProjectRow {
  id: string;
  name: string;
  created_at: unknown;
  updated_at: unknown;
  topics_active: number;
  topics_archived: number;
  versions_total: number;
  versions_archived: number;
  handovers: number;
}

export function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    name: row.name,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    topicsActive: row.topics_active,
    topicsArchived: row.topics_archived,
    versionsTotal: row.versions_total,
    versionsArchived: row.versions_archived,
    handovers: row.handovers,
  };
}

/** Project names match case-insensitively, so "MyApp" and "myapp" never become two projects. */
export async function findProject(db: Sql, principal: string, name: string): Promise<Project | undefined> {
  const { rows } = await db.query<ProjectRow>(
    `SELECT ${PROJECT_COLUMNS} FROM memory_projects WHERE principal = $1 AND lower(name) = lower($2)`,
    [principal, name],
  );
  return rows[0] && toProject(rows[0]);
}

/** Reads before inserting: wake_up runs at the start of every conversation and should not write dead rows. */
export async function ensureProject(db: Sql, principal: string, name: string): Promise<Project> {
  const existing = await findProject(db, principal, name);
  if (existing) return existing;
  // DO NOTHING then re-read: two clients creating the same project at once both get the one row.
  await db.query(
    `INSERT INTO memory_projects (principal, name) VALUES ($1, $2)
     ON CONFLICT (principal, lower(name)) DO NOTHING`,
    [principal, name],
  );
  const created = await findProject(db, principal, name);
  if (!created) throw new Error(`project ${name} vanished right after being created`);
  return created;
}

export async function projectById(db: Sql, principal: string, id: string): Promise<Project | undefined> {
  const { rows } = await db.query<ProjectRow>(
    `SELECT ${PROJECT_COLUMNS} FROM memory_projects WHERE principal = $1 AND id = $2`,
    [principal, id],
  );
  return rows[0] && toProject(rows[0]);
}

export async function listProjects(db: Sql, principal: string): Promise<Project[]> {
  const { rows } = await db.query<ProjectRow>(
    `SELECT ${PROJECT_COLUMNS} FROM memory_projects WHERE principal = $1 ORDER BY updated_at DESC, id DESC LIMIT $2`,
    [principal, LIMITS.projectsMax],
  );
  return rows.map(toProject);
}

/** Skips the write when nothing changes, so repeated wake_ups stay read-only in practice. */
export async function saveSelection(db: Sql, caller: Caller, projectId: string): Promise<void> {
  await db.query(
    `INSERT INTO memory_selections (principal, client_name, project_id) VALUES ($1, $2, $3)
     ON CONFLICT (principal, client_name) DO UPDATE
       SET project_id = EXCLUDED.project_id, updated_at = now()
       WHERE memory_selections.project_id IS DISTINCT FROM EXCLUDED.project_id`,
    [caller.principal, caller.clientName, projectId],
  );
}

/**
 * The caller's selected project: this client's choice first, otherwise the
 * principal's most recent choice from any client, so a new client starts
 * where the user left off instead of nowhere.
 */
export async function selectedProject(db: Sql, caller: Caller): Promise<Project | undefined> {
  const { rows } = await db.query<ProjectRow>(
    `SELECT ${projectColumns('p')}
       FROM memory_selections s JOIN memory_projects p ON p.id = s.project_id AND p.principal = s.principal
      WHERE s.principal = $1
      ORDER BY (s.client_name = $2) DESC, s.updated_at DESC
      LIMIT 1`,
    [caller.principal, caller.clientName],
  );
  return rows[0] && toProject(rows[0]);
}

/** The project the context tools act on; they never guess one, since a wrong guess mixes projects. */
export async function requireSelectedProject(db: Sql, caller: Caller): Promise<Project> {
  const project = await selectedProject(db, caller);
  if (!project) {
    throw new MemoryError('No project is selected. Call wake_up (optionally with project) or select_project first.');
  }
  return project;
}
