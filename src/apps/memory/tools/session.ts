/** wake_up and sleep: the two ends of a conversation. */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { guard } from '../errors.js';
import { DEFAULT_PROJECT, WAKE_UP } from '../limits.js';
import { saveHandover } from '../repo/handovers.js';
import { ensureProject, requireSelectedProject, saveSelection } from '../repo/projects.js';
import { wakeSnapshot } from '../repo/wake.js';
import * as s from '../schemas.js';
import { countsOf, handoverOut, projectOut, topicOut } from './format.js';
import { IDEMPOTENT_WRITE, type ToolEnv } from './env.js';

const wakeUpInput = z.object({
  project: s.projectName
    .optional()
    .describe(`Project to work on; created if new. Omit to continue with the selected project (or "${DEFAULT_PROJECT}", created when none was ever selected).`),
});

const sleepInput = z.object({
  summary: s.summary,
  next_steps: s.listItems('next_steps').optional().describe('Concrete next actions, in order.'),
  open_questions: s.listItems('open_questions').optional().describe('Questions still waiting for an answer.'),
});

export function registerSessionTools(server: McpServer, env: ToolEnv): void {
  server.registerTool(
    'wake_up',
    {
      title: 'Wake up: load project memory',
      description:
        'Call at the start of every conversation, before other memory tools. Selects the project named (creating it ' +
        'if new). Without project it continues with the project this client selected last, else the one this user ' +
        `selected last from any client; when none was ever selected it creates and selects a project named "${DEFAULT_PROJECT}". ` +
        `Returns the project's last handover, its always_check contexts (follow them; up to ${WAKE_UP.alwaysCheck}, each ` +
        `cut at ${WAKE_UP.alwaysCheckChars} characters), the ${WAKE_UP.recent} most recently changed other contexts with ` +
        'previews, and counts. Use recall_context for full texts.',
      inputSchema: wakeUpInput,
      annotations: IDEMPOTENT_WRITE,
    },
    ({ project }) =>
      guard(env.logger, 'wake_up', async () => {
        const { db, caller } = env;
        let snapshot = await wakeSnapshot(db, caller, project);
        if (!snapshot) {
          // A new project, or nothing selected yet: create it, then read again.
          const name = project ?? DEFAULT_PROJECT;
          await ensureProject(db, caller.principal, name);
          snapshot = await wakeSnapshot(db, caller, name);
          if (!snapshot) throw new Error(`project ${name} missing right after being created`);
        }
        // The common case (this client, same project) writes nothing.
        if (!snapshot.selectedHere) await saveSelection(db, caller, snapshot.project.id);
        const { project: chosen, handover, alwaysCheck, recent } = snapshot;
        const more = alwaysCheck.length > WAKE_UP.alwaysCheck;
        return {
          project: projectOut(chosen),
          counts: countsOf(chosen),
          handover: handover ? handoverOut(handover) : null,
          always_check: alwaysCheck.slice(0, WAKE_UP.alwaysCheck).map((t) => topicOut(t, 'content')),
          ...(more ? { always_check_more: 'More always_check contexts exist: list_contexts with priority "always_check".' } : {}),
          recent: recent.map((t) => topicOut(t, 'preview')),
          ...(chosen.versionsTotal === 0 && !handover
            ? { hint: 'Empty project. Save lasting knowledge with lock_context; call sleep at the end of the conversation.' }
            : {}),
        };
      }),
  );

  server.registerTool(
    'sleep',
    {
      title: 'Sleep: leave a handover',
      description:
        'Call at the end of a conversation (or when the user wraps up) to leave a handover for the next one: a ' +
        'summary, next steps and open questions. The next wake_up returns it. A call identical to the project\'s ' +
        'newest handover (same client, summary, next steps and open questions) adds nothing and returns that one with ' +
        'already_stored: true, so a repeated call is harmless. Lasting facts and decisions belong in lock_context instead.',
      inputSchema: sleepInput,
      annotations: IDEMPOTENT_WRITE,
    },
    ({ summary, next_steps, open_questions }) =>
      guard(env.logger, 'sleep', async () => {
        const project = await requireSelectedProject(env.db, env.caller);
        const handover = await saveHandover(env.db, env.caller, project, {
          summary,
          nextSteps: next_steps ?? [],
          openQuestions: open_questions ?? [],
        });
        return {
          project: project.name,
          stored: true,
          handover_id: handover.id,
          created_at: handover.createdAt,
          ...(handover.alreadyStored ? { already_stored: true } : {}),
        };
      }),
  );
}
