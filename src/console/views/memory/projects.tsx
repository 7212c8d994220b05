/** The viewer's projects, with import and export of the whole memory. */
import type { Project } from '../../../apps/memory/sql.js';
import type { ImportReport } from '../../../apps/memory/transfer/import.js';
import { projectUrl } from '../../routes/memory-shared.js';
import { Csrf, Layout, when, type Chrome } from '../layout.js';

export function ProjectsPage(props: { chrome: Chrome; projects: Project[]; error?: string }) {
  const { chrome, projects } = props;
  return (
    <Layout title="Memory" chrome={chrome} section="memory">
      <div class="row">
        <div>
          <h1>Projects</h1>
          <p class="sub">What your assistants remember, one project per repository or product.</p>
        </div>
        <span class="spacer" />
        <a class="button secondary" href="/console/memory/export">
          Export all (zip)
        </a>
      </div>
      {props.error && <div class="error">{props.error}</div>}
      {projects.length === 0 ? (
        <div class="card">No projects yet. An assistant creates one with wake_up; you can create one below or import an export.</div>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Project</th>
              <th class="num">Contexts</th>
              <th class="num">Archived</th>
              <th class="num">Versions</th>
              <th class="num">Handovers</th>
              <th>Last change</th>
            </tr>
          </thead>
          <tbody>
            {projects.map((p) => (
              <tr>
                <td>
                  <a href={projectUrl(p.name)}>{p.name}</a>
                </td>
                <td class="num">{p.topicsActive}</td>
                <td class="num">{p.topicsArchived}</td>
                <td class="num">{p.versionsTotal}</td>
                <td class="num">{p.handovers}</td>
                <td>{when(p.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="charts">
        <div class="card">
          <h2>New project</h2>
          <form method="post" action="/console/memory/projects">
            <Csrf token={chrome.csrf} />
            <div class="row">
              <input type="text" name="name" required maxlength={100} placeholder="project name" aria-label="project name" />
              <button type="submit">Create</button>
            </div>
          </form>
        </div>
        <div class="card">
          <h2>Import</h2>
          <form method="post" action="/console/memory/import" enctype="multipart/form-data">
            <Csrf token={chrome.csrf} />
            <div class="row">
              <input type="file" name="file" accept=".zip,application/zip" required aria-label="export file" />
              <button type="submit">Import</button>
            </div>
            <p class="muted">A zip made by Export here or by <code>durable-mcp memory export</code>. Importing the same file again changes nothing.</p>
          </form>
        </div>
      </div>
    </Layout>
  );
}

export function ImportResultPage(props: { chrome: Chrome; report: ImportReport }) {
  const { report } = props;
  return (
    <Layout title="Import" chrome={props.chrome} section="memory">
      <h1>Import finished</h1>
      <p class="sub">{report.changed ? 'The file was imported.' : 'Nothing changed: everything in the file was already here.'}</p>
      <table>
        <thead>
          <tr>
            <th>Project</th>
            <th class="num">Versions imported</th>
            <th class="num">Already here</th>
            <th class="num">Handovers imported</th>
            <th class="num">Already here</th>
            <th>Conflicts</th>
          </tr>
        </thead>
        <tbody>
          {report.projects.map((p) => (
            <tr>
              <td>
                <a href={projectUrl(p.name)}>{p.name}</a>
                {p.created && <span class="muted"> (new)</span>}
              </td>
              <td class="num">{p.versionsImported}</td>
              <td class="num">{p.versionsPresent}</td>
              <td class="num">{p.handoversImported}</td>
              <td class="num">{p.handoversPresent}</td>
              <td>
                {p.conflicts.map((x) => (
                  <div>
                    <b>{x.topic}</b>: {x.reason}
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <a href="/console/memory">Back to the projects</a>
      </p>
    </Layout>
  );
}
