/** One topic: a version with its history and actions, the editor (a new version), and the diff of two versions. */
import type { Change } from 'diff';
import type { Recalled } from '../../../apps/memory/repo/contexts.js';
import { LIMITS } from '../../../apps/memory/limits.js';
import { PRIORITIES, type Priority, type Project } from '../../../apps/memory/sql.js';
import { projectUrl, topicUrl } from '../../routes/memory-shared.js';
import { Csrf, Layout, when, type Chrome } from '../layout.js';
import { PriorityLabel, Tags } from './project.js';

function Crumbs(props: { project: Project; topic?: string }) {
  return (
    <p class="sub">
      <a href="/console/memory">Projects</a> / <a href={projectUrl(props.project.name)}>{props.project.name}</a> /
      {props.topic && (
        <>
          {' '}
          <a href={topicUrl(props.project.name, props.topic)}>{props.topic}</a> /
        </>
      )}
    </p>
  );
}

function VersionAction(props: { chrome: Chrome; action: 'archive' | 'restore'; project: Project; topic: string; version: string; label: string }) {
  return (
    <form class="inline" method="post" action={projectUrl(props.project.name, `/topic/${props.action}`)}>
      <Csrf token={props.chrome.csrf} />
      <input type="hidden" name="name" value={props.topic} />
      <input type="hidden" name="version" value={props.version} />
      <button type="submit" class={props.action === 'archive' ? 'danger' : 'secondary'}>
        {props.label}
      </button>
    </form>
  );
}

export function TopicPage(props: { chrome: Chrome; project: Project; recalled: Recalled; notice?: string }) {
  const { chrome, project, recalled: r } = props;
  const archived = r.archivedAt !== null;
  const anyArchived = r.versions.some((v) => v.archived);
  return (
    <Layout title={r.topic} chrome={chrome} section="memory">
      <Crumbs project={project} />
      <h1>{r.topic}</h1>
      <p class="row">
        <span>
          version {r.version} of {r.latestVersion}
          {r.currentVersion === r.version ? ' (current)' : archived ? ' (archived)' : ''}
        </span>
        <PriorityLabel priority={r.priority} />
        <Tags tags={r.tags} />
        <span class="muted">locked {when(r.createdAt)}</span>
      </p>
      {props.notice && <div class="notice">{props.notice}</div>}
      {r.currentVersion === null && <div class="notice">Every version of this topic is archived: it is hidden from wake_up, search and lists until restored.</div>}
      <div class="row">
        {r.currentVersion !== null && (
          <a class="button" href={topicUrl(project.name, r.topic, {}, '/edit')}>
            Edit (new version)
          </a>
        )}
        {r.version > 1 && (
          <a class="button secondary" href={topicUrl(project.name, r.topic, { from: r.version - 1, to: r.version }, '/diff')}>
            Diff with v{r.version - 1}
          </a>
        )}
        <span class="spacer" />
        {!archived && <VersionAction chrome={chrome} action="archive" project={project} topic={r.topic} version={String(r.version)} label={`Archive v${r.version}`} />}
        {archived && <VersionAction chrome={chrome} action="restore" project={project} topic={r.topic} version={String(r.version)} label={`Restore v${r.version}`} />}
        {r.currentVersion !== null && <VersionAction chrome={chrome} action="archive" project={project} topic={r.topic} version="all" label="Archive topic" />}
        {anyArchived && <VersionAction chrome={chrome} action="restore" project={project} topic={r.topic} version="all" label="Restore all" />}
      </div>
      <h2>Content</h2>
      <pre class="content">{r.content}</pre>
      <h2>Versions</h2>
      <table>
        <thead>
          <tr>
            <th class="num">Version</th>
            <th>Locked</th>
            <th>State</th>
            <th>Compare</th>
          </tr>
        </thead>
        <tbody>
          {r.versions.map((v) => (
            <tr>
              <td class="num">
                {v.version === r.version ? <b>v{v.version}</b> : <a href={topicUrl(project.name, r.topic, { v: v.version })}>v{v.version}</a>}
              </td>
              <td>{when(v.createdAt)}</td>
              <td>{v.archived ? 'archived' : v.version === r.currentVersion ? 'current' : ''}</td>
              <td>
                {v.version > 1 && <a href={topicUrl(project.name, r.topic, { from: v.version - 1, to: v.version }, '/diff')}>diff with v{v.version - 1}</a>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.latestVersion > r.versions.length && <p class="muted">The {r.versions.length} newest versions are listed; older ones open with ?v=N.</p>}
    </Layout>
  );
}

export interface EditValues {
  topic: string;
  content: string;
  tags: string;
  priority: Priority;
}

export function EditPage(props: { chrome: Chrome; project: Project; values: EditValues; isNew: boolean; nextVersion: number; error?: string }) {
  const { chrome, project, values } = props;
  return (
    <Layout title={props.isNew ? 'New context' : `Edit ${values.topic}`} chrome={chrome} section="memory">
      <Crumbs project={project} topic={props.isNew ? undefined : values.topic} />
      <h1>{props.isNew ? 'New context' : values.topic}</h1>
      <p class="sub">
        {props.isNew ? 'Saved as version 1.' : `Saved as version ${props.nextVersion}; earlier versions stay readable.`} The same checks as
        lock_context apply.
      </p>
      {props.error && <div class="error">{props.error}</div>}
      <form method="post" action={projectUrl(project.name, '/topic/lock')} class="card">
        <Csrf token={chrome.csrf} />
        <input type="hidden" name="expect" value={String(props.nextVersion)} />
        {props.isNew ? (
          <>
            <label for="name">Topic</label>
            <input type="text" id="name" name="name" value={values.topic} required maxlength={LIMITS.topic} size={60} />
          </>
        ) : (
          <input type="hidden" name="name" value={values.topic} />
        )}
        <label for="content">Content (Markdown, stored exactly as written)</label>
        {/* The leading newline is eaten by the HTML parser, so content that starts with one keeps it. */}
        <textarea id="content" name="content" required maxlength={LIMITS.content}>
          {`\n${values.content}`}
        </textarea>
        <div class="row">
          <div>
            <label for="tags">Tags (comma separated)</label>
            <input type="text" id="tags" name="tags" value={values.tags} size={40} />
          </div>
          <div>
            <label for="priority">Priority</label>
            <select id="priority" name="priority">
              {PRIORITIES.map((p) => (
                <option value={p} selected={p === values.priority}>
                  {p.replace('_', ' ')}
                </option>
              ))}
            </select>
          </div>
        </div>
        <p>
          <button type="submit">{props.isNew ? 'Save' : `Save as v${props.nextVersion}`}</button>{' '}
          <a href={props.isNew ? projectUrl(project.name) : topicUrl(project.name, values.topic)}>Cancel</a>
        </p>
      </form>
    </Layout>
  );
}

export function DiffPage(props: { chrome: Chrome; project: Project; topic: string; from: number; to: number; latest: number; changes: Change[] }) {
  const { project, topic, from, to } = props;
  const versions = Array.from({ length: Math.min(props.latest, 200) }, (_, i) => props.latest - i);
  return (
    <Layout title={`${topic}: v${from} → v${to}`} chrome={props.chrome} section="memory">
      <Crumbs project={project} topic={topic} />
      <h1>
        {topic}: v{from} → v{to}
      </h1>
      <form method="get" action={projectUrl(project.name, '/topic/diff')} class="row">
        <input type="hidden" name="name" value={topic} />
        <label for="from">From</label>
        <select id="from" name="from">
          {versions.map((v) => (
            <option value={String(v)} selected={v === from}>
              v{v}
            </option>
          ))}
        </select>
        <label for="to">to</label>
        <select id="to" name="to">
          {versions.map((v) => (
            <option value={String(v)} selected={v === to}>
              v{v}
            </option>
          ))}
        </select>
        <button type="submit" class="secondary">
          Compare
        </button>
      </form>
      <p />
      <div class="diff">
        {props.changes.every((c) => !c.added && !c.removed) && <div class="same">The two versions have the same content.</div>}
        {props.changes.flatMap((c) =>
          c.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line) => <div class={c.added ? 'add' : c.removed ? 'del' : 'same'}>{`${c.added ? '+ ' : c.removed ? '- ' : '  '}${line}`}</div>),
        )}
      </div>
    </Layout>
  );
}
