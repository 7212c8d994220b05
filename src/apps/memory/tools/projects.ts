/** list_projects and select_project. */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { MemoryError, guard } from '../errors.js';
import { LIMITS } from '../limits.js';
import { ensureProject, findProject, listProjects, saveSelection, selectedProject } from '../repo/projects.js';
import * as s from '../schemas.js';
import { countsOf } from './format.js';
import { IDEMPOTENT_WRITE, READ_ONLY, type ToolEnv } from './env.js';

const selectInput = z.object({
  name: s.projectName,
  create: z.boolean({ error: 'create must be true or false' }).optional().describe('Create the project if it does not exist (default false).'),
});

export function registerProjectTools(server: McpServer, env: ToolEnv): void {
  server.registerTool(
    'list_projects',
    {
      title: 'List projects',
      description: `List the user's memory projects (up to ${LIMITS.projectsMax}), most recently changed first, with counts and which one is selected.`,
      annotations: READ_ONLY,
    },
    () =>
      guard(env.logger, 'list_projects', async () => {
        const [projects, selected] = await Promise.all([
          listProjects(env.db, env.caller.principal),
          selectedProject(env.db, env.caller),
        ]);
        return {
          selected: selected?.name ?? null,
          projects: projects.map((p) => ({ name: p.name, ...countsOf(p), updated_at: p.updatedAt })),
        };
      }),
  );

  server.registerTool(
    'select_project',
    {
      title: 'Select a project',
      description:
        'Switch the project the other memory tools work on. The choice is kept for this user and client across ' +
        'sessions and restarts. At the start of a conversation prefer wake_up with project, which also loads its memory.',
      inputSchema: selectInput,
      annotations: IDEMPOTENT_WRITE,
    },
    ({ name, create }) =>
      guard(env.logger, 'select_project', async () => {
        const { db, caller } = env;
        const project = create ? await ensureProject(db, caller.principal, name) : await findProject(db, caller.principal, name);
        if (!project) {
          const known = (await listProjects(db, caller.principal)).map((p) => p.name).slice(0, 20);
          throw new MemoryError(
            `No project named ${JSON.stringify(name)}. ` +
              (known.length > 0 ? `Existing projects: ${known.map((k) => JSON.stringify(k)).join(', ')}. ` : '') +
              'Pass create: true to create it.',
          );
        }
        await saveSelection(db, caller, project.id);
        return { selected: project.name, counts: countsOf(project) };
      }),
  );
}
