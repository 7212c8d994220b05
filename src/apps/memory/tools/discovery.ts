/** search_contexts and list_contexts: finding topics in the selected project. */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { MemoryError, guard } from '../errors.js';
import { LIMITS } from '../limits.js';
import { listTopics } from '../repo/listing.js';
import { requireSelectedProject } from '../repo/projects.js';
import { hasSearchableWords, searchContexts } from '../repo/search.js';
import * as s from '../schemas.js';
import { topicOut } from './format.js';
import { READ_ONLY, type ToolEnv } from './env.js';

const PREVIEW_CHARS = 100;

const searchInput = z.object({
  query: s.query,
  tags: s.tags.optional().describe('Only contexts carrying all these tags.'),
  priority: s.priority.optional().describe('Only contexts of this priority.'),
  limit: s.limit(LIMITS.searchMax, LIMITS.searchDefault).describe(`Results to return (1-${LIMITS.searchMax}).`),
});

const listInput = z.object({
  priority: s.priority.optional().describe('Only contexts of this priority.'),
  tags: s.tags.optional().describe('Only contexts carrying all these tags.'),
  status: z
    .enum(['active', 'archived'], { error: 'status must be "active" or "archived"' })
    .optional()
    .describe('"archived" lists archived topics (to restore); default "active".'),
  limit: s.limit(LIMITS.listMax, LIMITS.listDefault).describe(`Topics per page (1-${LIMITS.listMax}).`),
  cursor: z
    .string({ error: 'cursor must be the next_cursor string of a previous list_contexts' })
    .regex(/^\d{1,19}$/, { error: 'cursor must be the next_cursor string of a previous list_contexts' })
    .optional()
    .describe('next_cursor from the previous page.'),
});

export function registerDiscoveryTools(server: McpServer, env: ToolEnv): void {
  server.registerTool(
    'search_contexts',
    {
      title: 'Search contexts',
      description:
        'Full-text search over the current version of every context in the selected project, best match first, ' +
        'with highlighted snippets. Use it to answer questions about past decisions and, before lock_context, to ' +
        'find an existing topic to update instead of creating a duplicate.',
      inputSchema: searchInput,
      annotations: READ_ONLY,
    },
    (args) =>
      guard(env.logger, 'search_contexts', async () => {
        const project = await requireSelectedProject(env.db, env.caller);
        const hits = await searchContexts(env.db, env.caller.principal, project.id, {
          query: args.query,
          tags: s.normalizeTags(args.tags),
          ...(args.priority ? { priority: args.priority } : {}),
          limit: args.limit,
        });
        // Only on an empty result: distinguish "no match" from "nothing searchable" without a round trip per search.
        if (hits.length === 0 && !(await hasSearchableWords(env.db, args.query))) {
          throw new MemoryError('query has no searchable words (only very common words like "the"); use more specific words.');
        }
        return {
          project: project.name,
          results: hits.map((h) => ({
            topic: h.topic,
            version: h.version,
            priority: h.priority,
            ...(h.tags.length > 0 ? { tags: h.tags } : {}),
            updated_at: h.updatedAt,
            rank: h.rank,
            snippet: h.snippet,
          })),
        };
      }),
  );

  server.registerTool(
    'list_contexts',
    {
      title: 'List contexts',
      description:
        'List the topics of the selected project, most recently changed first, with a short preview. Filter by ' +
        'priority or tags; status "archived" lists archived topics for restore_context. Pages with cursor.',
      inputSchema: listInput,
      annotations: READ_ONLY,
    },
    (args) =>
      guard(env.logger, 'list_contexts', async () => {
        const project = await requireSelectedProject(env.db, env.caller);
        const limit = args.limit;
        // One extra row tells whether there is a next page without counting.
        const rows = await listTopics(env.db, env.caller.principal, project.id, {
          status: args.status ?? 'active',
          ...(args.priority ? { priority: args.priority } : {}),
          tags: s.normalizeTags(args.tags),
          ...(args.cursor ? { before: args.cursor } : {}),
          limit: limit + 1,
          chars: PREVIEW_CHARS,
        });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          project: project.name,
          contexts: page.map((t) => ({ ...topicOut(t, 'preview'), versions: t.versions })),
          ...(rows.length > limit && last ? { next_cursor: last.seq } : {}),
        };
      }),
  );
}
