/** lock_context, recall_context, unlock_context, restore_context: one topic at a time. */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { guard } from '../errors.js';
import { RECALL_VERSIONS, WAKE_UP } from '../limits.js';
import { archiveVersions, lockContext, recallContext, restoreVersions } from '../repo/contexts.js';
import { requireSelectedProject } from '../repo/projects.js';
import * as s from '../schemas.js';
import { IDEMPOTENT_WRITE, READ_ONLY, type ToolEnv } from './env.js';

const lockInput = z.object({
  topic: s.topic,
  content: s.content,
  tags: s.tags.optional().describe('Labels for filtering, e.g. ["backend", "decision"]. Stored lowercase, without repeats.'),
  priority: s.priority
    .optional()
    .describe(
      `always_check: shown with its content (the first ${WAKE_UP.alwaysCheckChars} characters) at every wake_up, for rules to ` +
        'follow; important; reference (the default, also when locking a new version without priority).',
    ),
});

const recallInput = z.object({
  topic: s.topic,
  version: s.version.optional().describe('A specific version; default: the current one.'),
});

const unlockInput = z.object({
  topic: s.topic,
  version: s.versionOrAll.optional().describe('One version to archive, or "all" (default: all versions of the topic).'),
});

const restoreInput = z.object({
  topic: s.topic,
  version: s.versionOrAll
    .optional()
    .describe('One version to restore, or "all" (default: the versions archived by the most recent unlock).'),
});

export function registerContextTools(server: McpServer, env: ToolEnv): void {
  server.registerTool(
    'lock_context',
    {
      title: 'Lock a context',
      description:
        'Save knowledge worth keeping across conversations (a decision, spec, convention, preference) under a topic. ' +
        'Each call stores an immutable new version; locking an existing topic adds version n+1 and the previous ' +
        'versions stay readable. A lock identical to the current version (same content, priority and tags) adds ' +
        'nothing and returns that version with already_stored: true, so a repeated call is harmless. To update, ' +
        'recall the topic, edit, and lock the full new text. Not for session notes: use sleep.',
      inputSchema: lockInput,
      annotations: IDEMPOTENT_WRITE,
    },
    (args) =>
      guard(env.logger, 'lock_context', async () => {
        const project = await requireSelectedProject(env.db, env.caller);
        const locked = await lockContext(env.db, env.caller.principal, project, {
          topic: args.topic,
          content: args.content,
          tags: s.normalizeTags(args.tags),
          priority: args.priority ?? 'reference',
        });
        return {
          project: project.name,
          topic: locked.topic,
          version: locked.version,
          priority: locked.priority,
          tags: locked.tags,
          created_at: locked.createdAt,
          ...(locked.alreadyStored ? { already_stored: true } : {}),
        };
      }),
  );

  server.registerTool(
    'recall_context',
    {
      title: 'Recall a context',
      description:
        'Read the exact text of a topic in the selected project (the current version, or the version given), with ' +
        `its ${RECALL_VERSIONS} newest versions listed. Call it before relying on a context seen in wake_up, search or a list.`,
      inputSchema: recallInput,
      annotations: READ_ONLY,
    },
    ({ topic, version }) =>
      guard(env.logger, 'recall_context', async () => {
        const project = await requireSelectedProject(env.db, env.caller);
        const r = await recallContext(env.db, env.caller.principal, project, topic, version);
        return {
          project: project.name,
          topic: r.topic,
          version: r.version,
          current_version: r.currentVersion,
          priority: r.priority,
          tags: r.tags,
          created_at: r.createdAt,
          ...(r.archivedAt ? { archived_at: r.archivedAt } : {}),
          content: r.content,
          versions: r.versions.map((v) => ({ version: v.version, created_at: v.createdAt, ...(v.archived ? { archived: true } : {}) })),
        };
      }),
  );

  server.registerTool(
    'unlock_context',
    {
      title: 'Unlock (archive) a context',
      description:
        'Archive a topic that is obsolete or wrong: all its versions by default, or one version (the topic then ' +
        'falls back to its newest remaining version). Archived versions leave wake_up, search and lists but are ' +
        'never deleted; restore_context brings them back.',
      inputSchema: unlockInput,
      annotations: IDEMPOTENT_WRITE,
    },
    ({ topic, version }) =>
      guard(env.logger, 'unlock_context', async () => {
        const project = await requireSelectedProject(env.db, env.caller);
        const r = await archiveVersions(env.db, env.caller.principal, project, topic, version ?? 'all');
        return {
          project: project.name,
          topic: r.topic,
          archived_versions: r.changed,
          ...(r.changed.length === 0 ? { note: 'Nothing to archive: already archived.' } : {}),
          current_version: r.currentVersion,
          restore_with: `restore_context(${JSON.stringify(r.topic)})`,
        };
      }),
  );

  server.registerTool(
    'restore_context',
    {
      title: 'Restore an archived context',
      description:
        'Undo unlock_context: restore the versions the most recent unlock of the topic archived (default), one ' +
        'version, or "all". The newest non-archived version becomes current again. Use list_contexts with status ' +
        '"archived" to find archived topics.',
      inputSchema: restoreInput,
      annotations: IDEMPOTENT_WRITE,
    },
    ({ topic, version }) =>
      guard(env.logger, 'restore_context', async () => {
        const project = await requireSelectedProject(env.db, env.caller);
        const r = await restoreVersions(env.db, env.caller.principal, project, topic, version ?? 'last_archived');
        return {
          project: project.name,
          topic: r.topic,
          restored_versions: r.changed,
          ...(r.changed.length === 0 ? { note: 'Nothing to restore: not archived, or the last unlock was already undone (pass a version or "all").' } : {}),
          current_version: r.currentVersion,
        };
      }),
  );
}
