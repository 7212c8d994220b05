/** One project: its contexts (active or archived), its handovers, and search, under one header with tabs. */
import type { Child } from 'hono/jsx';
import type { Handover } from '../../../apps/memory/repo/handovers.js';
import type { TopicSummary } from '../../../apps/memory/repo/listing.js';
import type { SearchHit } from '../../../apps/memory/repo/search.js';
import { PRIORITIES, type Priority, type Project } from '../../../apps/memory/sql.js';
import { projectUrl, topicUrl } from '../../routes/memory-shared.js';
import { Layout, when, type Chrome } from '../layout.js';

type Tab = 'contexts' | 'archived' | 'handovers' | 'search';

function ProjectShell(props: { chrome: Chrome; project: Project; tab: Tab; query?: string; children?: Child }) {
  const { project, tab } = props;
  const tabs: Array<[Tab, string, string]> = [
    ['contexts', `Contexts (${project.topicsActive})`, projectUrl(project.name)],
    ['archived', `Archived (${project.topicsArchived})`, projectUrl(project.name, '/archived')],
    ['handovers', `Handovers (${project.handovers})`, projectUrl(project.name, '/handovers')],
  ];
  return (
    <Layout title={project.name} chrome={props.chrome} section="memory">
      <div class="row">
        <div>
          <p class="sub">
            <a href="/console/memory">Projects</a> /
          </p>
          <h1>{project.name}</h1>
          <p class="sub">
            {project.versionsTotal} versions, {project.versionsArchived} archived · last change {when(project.updatedAt)}
          </p>
        </div>
        <span class="spacer" />
        <a class="button" href={projectUrl(project.name, '/new')}>
          New context
        </a>
        <a class="button secondary" href={projectUrl(project.name, '/export')}>
          Export (zip)
        </a>
      </div>
      <form method="get" action={projectUrl(project.name, '/search')} class="row">
        <input type="search" name="q" value={props.query ?? ''} placeholder="Search contexts: words, &quot;phrases&quot;, -excluded" maxlength={500} size={48} aria-label="search" />
        <button type="submit">Search</button>
      </form>
      <nav class="tabs">
        {tabs.map(([id, label, href]) => (
          <a class={tab === id ? 'on' : ''} href={href}>
            {label}
          </a>
        ))}
        {tab === 'search' && <a class="on">Search</a>}
      </nav>
      {props.children}
    </Layout>
  );
}

export function Tags(props: { tags: string[] }) {
  return (
    <>
      {props.tags.map((t) => (
        <span class="tag">{t}</span>
      ))}
    </>
  );
}

export function PriorityLabel(props: { priority: Priority }) {
  return <span class={`prio-${props.priority}`}>{props.priority.replace('_', ' ')}</span>;
}

export function ContextsPage(props: {
  chrome: Chrome;
  project: Project;
  archived: boolean;
  priority: Priority | undefined;
  topics: TopicSummary[];
  next: string | undefined;
}) {
  const { project, topics, archived } = props;
  const base = projectUrl(project.name, archived ? '/archived' : '');
  return (
    <ProjectShell chrome={props.chrome} project={project} tab={archived ? 'archived' : 'contexts'}>
      {!archived && (
        <p class="row">
          <span class="muted">Priority:</span>
          <a href={base}>{props.priority ? 'all' : <b>all</b>}</a>
          {PRIORITIES.map((p) => (
            <a href={`${base}?priority=${p}`}>{props.priority === p ? <b>{p.replace('_', ' ')}</b> : p.replace('_', ' ')}</a>
          ))}
        </p>
      )}
      {topics.length === 0 ? (
        <div class="card">{archived ? 'No archived contexts.' : 'No contexts here yet.'}</div>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Topic</th>
              <th class="num">Version</th>
              <th>Priority</th>
              <th>Tags</th>
              <th>Changed</th>
              <th>Preview</th>
            </tr>
          </thead>
          <tbody>
            {topics.map((t) => (
              <tr>
                <td>
                  <a href={topicUrl(project.name, t.topic, archived ? { v: t.version } : {})}>{t.topic}</a>
                </td>
                <td class="num">
                  {t.version}/{t.versions}
                </td>
                <td>
                  <PriorityLabel priority={t.priority} />
                </td>
                <td>
                  <Tags tags={t.tags} />
                </td>
                <td>{when(t.updatedAt)}</td>
                <td class="preview">{t.content.replace(/\s+/g, ' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.next && (
        <p>
          <a href={`${base}?${new URLSearchParams({ ...(props.priority && { priority: props.priority }), before: props.next }).toString()}`}>Older →</a>
        </p>
      )}
    </ProjectShell>
  );
}

export function HandoversPage(props: { chrome: Chrome; project: Project; handovers: Handover[]; next: string | undefined }) {
  const { project } = props;
  return (
    <ProjectShell chrome={props.chrome} project={project} tab="handovers">
      {props.handovers.length === 0 && <div class="card">No handovers yet: an assistant leaves one with sleep.</div>}
      {props.handovers.map((h) => (
        <div class="card">
          <p class="sub">
            {when(h.createdAt)}
            {h.client && ` · from ${h.client}`}
          </p>
          <pre class="content">{h.summary}</pre>
          {h.nextSteps.length > 0 && (
            <>
              <h2>Next steps</h2>
              <ul>
                {h.nextSteps.map((x) => (
                  <li>{x}</li>
                ))}
              </ul>
            </>
          )}
          {h.openQuestions.length > 0 && (
            <>
              <h2>Open questions</h2>
              <ul>
                {h.openQuestions.map((x) => (
                  <li>{x}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      ))}
      {props.next && (
        <p>
          <a href={`${projectUrl(project.name, '/handovers')}?before=${props.next}`}>Older →</a>
        </p>
      )}
    </ProjectShell>
  );
}

/** search_contexts marks hits with **; shown as <mark>, everything else as text. */
function Snippet(props: { text: string }) {
  return (
    <>
      {props.text.split('**').map((part, i) => (i % 2 === 1 ? <mark>{part}</mark> : part))}
    </>
  );
}

export function SearchPage(props: { chrome: Chrome; project: Project; query: string; hits: SearchHit[]; note?: string }) {
  const { project } = props;
  return (
    <ProjectShell chrome={props.chrome} project={project} tab="search" query={props.query}>
      <p class="sub">Ranked exactly as the search_contexts tool ranks them (current versions only).</p>
      {props.note && <div class="notice">{props.note}</div>}
      {props.hits.length === 0 && !props.note && <div class="card">No context matches {JSON.stringify(props.query)}.</div>}
      {props.hits.map((h) => (
        <div class="card">
          <div class="row">
            <a href={topicUrl(project.name, h.topic)}>
              <b>{h.topic}</b>
            </a>
            <span class="muted">v{h.version}</span>
            <PriorityLabel priority={h.priority} />
            <Tags tags={h.tags} />
            <span class="spacer" />
            <span class="muted">rank {h.rank}</span>
          </div>
          <p>
            <Snippet text={h.snippet} />
          </p>
        </div>
      ))}
    </ProjectShell>
  );
}
