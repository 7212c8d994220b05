/** The memory pages (GET): projects, contexts, handovers, search, a topic, its editor and diffs. */
import { diffLines } from 'diff';
import type { Hono } from 'hono';
import { LIMITS } from '../../apps/memory/limits.js';
import { recallContext } from '../../apps/memory/repo/contexts.js';
import { listHandovers } from '../../apps/memory/repo/handovers.js';
import { listTopics } from '../../apps/memory/repo/listing.js';
import { listProjects } from '../../apps/memory/repo/projects.js';
import { hasSearchableWords, searchContexts } from '../../apps/memory/repo/search.js';
import * as s from '../../apps/memory/schemas.js';
import type { Db, Priority } from '../../apps/memory/sql.js';
import type { ConsoleEnv } from '../env.js';
import { badInput } from '../errors.js';
import { chromeOf, page, type ChromeSource } from '../render.js';
import { ContextsPage, HandoversPage, SearchPage } from '../views/memory/project.js';
import { ProjectsPage } from '../views/memory/projects.js';
import { DiffPage, EditPage, TopicPage } from '../views/memory/topic.js';
import { projectOf, shownVersion, topicOf, valid, versionOf, viewerOf } from './memory-shared.js';

const PAGE = 50;
const PREVIEW_CHARS = 140;

/** A keyset cursor as list_contexts takes it (a change sequence number) or a handover id. */
function cursorOf(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,19}$/.test(raw)) throw badInput('before must be the number from an "Older" link');
  return raw;
}

function priorityOf(raw: string | undefined): Priority | undefined {
  return raw === undefined || raw === '' ? undefined : valid(s.priority, raw, 'priority');
}

export function mountMemoryPages(app: Hono<ConsoleEnv>, db: Db, chrome: ChromeSource): void {
  app.get('/memory', async (c) => {
    const projects = await listProjects(db, viewerOf(c).principal);
    return page(c, <ProjectsPage chrome={chromeOf(c, chrome)} projects={projects} />);
  });

  for (const archived of [false, true]) {
    app.get(`/memory/projects/:project${archived ? '/archived' : ''}`, async (c) => {
      const project = await projectOf(c, db);
      const priority = archived ? undefined : priorityOf(c.req.query('priority'));
      const before = cursorOf(c.req.query('before'));
      const rows = await listTopics(db, viewerOf(c).principal, project.id, {
        status: archived ? 'archived' : 'active',
        ...(priority && { priority }),
        ...(before && { before }),
        limit: PAGE + 1,
        chars: PREVIEW_CHARS,
      });
      const topics = rows.slice(0, PAGE);
      const next = rows.length > PAGE ? topics.at(-1)?.seq : undefined;
      return page(c, <ContextsPage chrome={chromeOf(c, chrome)} project={project} archived={archived} priority={priority} topics={topics} next={next} />);
    });
  }

  app.get('/memory/projects/:project/handovers', async (c) => {
    const project = await projectOf(c, db);
    const before = cursorOf(c.req.query('before'));
    const rows = await listHandovers(db, viewerOf(c).principal, project.id, { limit: PAGE + 1, ...(before && { before }) });
    const handovers = rows.slice(0, PAGE);
    const next = rows.length > PAGE ? handovers.at(-1)?.id : undefined;
    return page(c, <HandoversPage chrome={chromeOf(c, chrome)} project={project} handovers={handovers} next={next} />);
  });

  app.get('/memory/projects/:project/search', async (c) => {
    const project = await projectOf(c, db);
    const query = valid(s.query, c.req.query('q') ?? '', 'query');
    const priority = priorityOf(c.req.query('priority'));
    const hits = await searchContexts(db, viewerOf(c).principal, project.id, { query, ...(priority && { priority }), limit: LIMITS.searchMax });
    // As search_contexts does: only an empty result pays for telling "no match" from "nothing searchable".
    const note = hits.length === 0 && !(await hasSearchableWords(db, query)) ? 'The query has no searchable words (only very common words like "the").' : undefined;
    return page(c, <SearchPage chrome={chromeOf(c, chrome)} project={project} query={query} hits={hits} {...(note && { note })} />);
  });

  app.get('/memory/projects/:project/new', async (c) => {
    const project = await projectOf(c, db);
    return page(c, <EditPage chrome={chromeOf(c, chrome)} project={project} isNew nextVersion={1} values={{ topic: '', content: '', tags: '', priority: 'reference' }} />);
  });

  app.get('/memory/projects/:project/topic', async (c) => {
    const project = await projectOf(c, db);
    const { principal } = viewerOf(c);
    const row = await topicOf(db, principal, project, c.req.query('name'));
    // An archived topic has no current version: show its newest one rather than recall_context's "restore first".
    const recalled = await recallContext(db, principal, project, row.topic, versionOf(c.req.query('v')) ?? shownVersion(row));
    const notice = c.req.query('saved') === '1' ? `Saved as version ${recalled.version}.` : undefined;
    return page(c, <TopicPage chrome={chromeOf(c, chrome)} project={project} recalled={recalled} {...(notice && { notice })} />);
  });

  app.get('/memory/projects/:project/topic/edit', async (c) => {
    const project = await projectOf(c, db);
    const { principal } = viewerOf(c);
    const row = await topicOf(db, principal, project, c.req.query('name'));
    const r = await recallContext(db, principal, project, row.topic, shownVersion(row));
    return page(
      c,
      <EditPage
        chrome={chromeOf(c, chrome)}
        project={project}
        isNew={false}
        nextVersion={r.latestVersion + 1}
        values={{ topic: r.topic, content: r.content, tags: r.tags.join(', '), priority: r.priority }}
      />,
    );
  });

  app.get('/memory/projects/:project/topic/diff', async (c) => {
    const project = await projectOf(c, db);
    const { principal } = viewerOf(c);
    const { topic } = await topicOf(db, principal, project, c.req.query('name'));
    const from = versionOf(c.req.query('from'));
    const to = versionOf(c.req.query('to'));
    if (from === undefined || to === undefined) throw badInput('A diff needs from and to versions.');
    const [a, b] = await Promise.all([recallContext(db, principal, project, topic, from), recallContext(db, principal, project, topic, to)]);
    return page(c, <DiffPage chrome={chromeOf(c, chrome)} project={project} topic={topic} from={from} to={to} latest={b.latestVersion} changes={diffLines(a.content, b.content)} />);
  });
}

