/**
 * The memory forms (POST), each through the same repository call as its tool:
 * create a project (wake_up/select_project), save a version (lock_context),
 * archive (unlock_context) and restore (restore_context). Each answers with a
 * redirect to the page that shows the result (post/redirect/get).
 */
import type { Context, Hono } from 'hono';
import { MemoryError } from '../../apps/memory/errors.js';
import { archiveVersions, lockContext, restoreVersions, type VersionTarget } from '../../apps/memory/repo/contexts.js';
import { ensureProject } from '../../apps/memory/repo/projects.js';
import { findTopic } from '../../apps/memory/repo/topics.js';
import * as s from '../../apps/memory/schemas.js';
import type { Db, Priority, Project } from '../../apps/memory/sql.js';
import type { ConsoleEnv } from '../env.js';
import { ConsolePageError, badInput } from '../errors.js';
import { chromeOf, page, type ChromeSource } from '../render.js';
import { EditPage, type EditValues } from '../views/memory/topic.js';
import { field, projectOf, projectUrl, tagsOf, topicOf, topicUrl, valid, versionOf, viewerOf } from './memory-shared.js';

export function mountMemoryActions(app: Hono<ConsoleEnv>, db: Db, chrome: ChromeSource): void {
  app.post('/memory/projects', async (c) => {
    const name = valid(s.projectName, field(c.get('form'), 'name'), 'project');
    const project = await ensureProject(db, viewerOf(c).principal, name);
    return c.redirect(projectUrl(project.name), 303);
  });

  app.post('/memory/projects/:project/topic/lock', async (c) => {
    const project = await projectOf(c, db);
    const form = c.get('form');
    // Browsers send textarea line breaks as CRLF; the tools store what an assistant sent, which is LF.
    const values: EditValues = {
      topic: field(form, 'name') ?? '',
      content: (field(form, 'content') ?? '').replace(/\r\n?/g, '\n'),
      tags: field(form, 'tags') ?? '',
      priority: (field(form, 'priority') ?? 'reference') as Priority,
    };
    const expect = versionOf(field(form, 'expect'));
    const principal = viewerOf(c).principal;
    try {
      const topic = valid(s.topic, values.topic, 'topic');
      const content = valid(s.content, values.content, 'content');
      const tags = tagsOf(values.tags);
      const priority = valid(s.priority, values.priority, 'priority');
      // Unchanged text, tags and priority write nothing (lock_context's own rule): the topic page then says nothing.
      const locked = await lockContext(db, principal, project, { topic, content, tags, priority, ...(expect !== undefined && { expectVersion: expect }) });
      return c.redirect(topicUrl(project.name, locked.topic, locked.alreadyStored ? {} : { saved: 1 }), 303);
    } catch (error) {
      // Shown with what was typed, so nothing is lost: a check failed, or someone saved a version meanwhile.
      const message = error instanceof ConsolePageError && error.status === 400 ? error.message : error instanceof MemoryError ? error.message : undefined;
      if (message === undefined) throw error;
      return editAgain(c, chrome, project, values, db, principal, message);
    }
  });

  for (const action of ['archive', 'restore'] as const) {
    app.post(`/memory/projects/:project/topic/${action}`, async (c) => {
      const project = await projectOf(c, db);
      const principal = viewerOf(c).principal;
      const form = c.get('form');
      const row = await topicOf(db, principal, project, field(form, 'name'));
      const target = targetOf(field(form, 'version'), action);
      const outcome =
        action === 'archive'
          ? await archiveVersions(db, principal, project, row.topic, target as number | 'all')
          : await restoreVersions(db, principal, project, row.topic, target);
      const show = typeof target === 'number' ? target : (outcome.currentVersion ?? row.latest_version);
      return c.redirect(topicUrl(project.name, row.topic, { v: show }), 303);
    });
  }
}

function targetOf(raw: string | undefined, action: 'archive' | 'restore'): VersionTarget {
  if (raw === 'all') return 'all';
  if (action === 'restore' && (raw === undefined || raw === '' || raw === 'last')) return 'last_archived';
  const version = versionOf(raw);
  if (version === undefined) throw badInput('version must be a number or "all"');
  return version;
}

async function editAgain(c: Context<ConsoleEnv>, chrome: ChromeSource, project: Project, values: EditValues, db: Db, principal: string, error: string) {
  const existing = values.topic ? await findTopic(db, principal, project.id, values.topic.trim()) : undefined;
  const isNew = !existing || existing.latest_version === 0;
  return page(
    c,
    <EditPage chrome={chromeOf(c, chrome)} project={project} values={values} isNew={isNew} nextVersion={(existing?.latest_version ?? 0) + 1} error={error} />,
    400,
  );
}
