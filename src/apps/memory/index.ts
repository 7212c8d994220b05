/**
 * The memory app: project memory for AI assistants (issue 3). Conversations
 * start with wake_up and end with sleep; knowledge is kept as immutable,
 * versioned contexts per project. Built only on the public app contract:
 * its tables through ctx.db and its own migrations, identity from ctx.
 */
import { defineApp } from '../../index.js';
import { migrations } from './migrations.js';
import { registerContextTools } from './tools/contexts.js';
import { registerDiscoveryTools } from './tools/discovery.js';
import type { ToolEnv } from './tools/env.js';
import { registerProjectTools } from './tools/projects.js';
import { registerSessionTools } from './tools/session.js';

const INSTRUCTIONS = [
  'Project memory that persists across conversations.',
  'Call wake_up at the start of each conversation and follow its always_check contexts.',
  'Save lasting knowledge with lock_context (search_contexts first to update an existing topic);',
  'read exact texts with recall_context; call sleep with a handover when the conversation ends.',
].join(' ');

export const memoryApp = defineApp({
  name: 'memory',
  version: '0.1.0',
  instructions: INSTRUCTIONS,
  migrations,
  register(server, ctx) {
    // Keyed by client name too: one user running two clients keeps a selection per client.
    // The name is the client's own label, not a tool input to refuse: a NUL (which PostgreSQL text cannot hold) would
    // fail every call, so it becomes U+FFFD, as an unencodable character does anywhere else.
    const env: ToolEnv = {
      db: ctx.db,
      caller: { principal: ctx.principal, clientName: (ctx.client?.name ?? '').replaceAll('\u0000', '\uFFFD') },
      logger: ctx.logger,
    };
    registerSessionTools(server, env);
    registerContextTools(server, env);
    registerDiscoveryTools(server, env);
    registerProjectTools(server, env);
  },
});
