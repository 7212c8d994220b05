import { z } from 'zod';
import { defineApp } from '../../index.js';

/**
 * The smallest useful durable app: notes kept in per-session state and a
 * counter kept per user. Restart the server between calls and both are still
 * there, for the same session id. Read it as documentation of the app API.
 */
export const exampleApp = defineApp({
  name: 'durable-mcp-example',
  version: '1.0.0',
  instructions: 'Notes are kept per session and survive server restarts; the counter is kept per user.',
  register(server, ctx) {
    server.registerTool(
      'note_set',
      {
        description: 'Save a note under a key in this session.',
        inputSchema: { key: z.string().min(1).max(100), text: z.string().max(10_000) },
        annotations: { idempotentHint: true, destructiveHint: false },
      },
      async ({ key, text }) => {
        await ctx.sessionState?.set(`note:${key}`, text);
        return { content: [{ type: 'text', text: `saved note '${key}'` }] };
      },
    );
    server.registerTool(
      'note_get',
      {
        description: 'Read a note saved earlier in this session.',
        inputSchema: { key: z.string().min(1).max(100) },
        annotations: { readOnlyHint: true },
      },
      async ({ key }) => {
        const text = await ctx.sessionState?.get<string>(`note:${key}`);
        return text === undefined
          ? { content: [{ type: 'text', text: `no note '${key}' in this session` }], isError: true }
          : { content: [{ type: 'text', text }] };
      },
    );
    server.registerTool(
      'counter_increment',
      {
        description: 'Add one to your personal counter and return it.',
        annotations: { idempotentHint: false, destructiveHint: false },
      },
      async () => {
        const next = ((await ctx.userState.get<number>('counter')) ?? 0) + 1;
        await ctx.userState.set('counter', next);
        return { content: [{ type: 'text', text: String(next) }] };
      },
    );
    server.registerTool(
      'whoami',
      { description: 'Who the server thinks you are.', annotations: { readOnlyHint: true } },
      async () => ({
        content: [
          {
            type: 'text',
            text: JSON.stringify({ principal: ctx.principal, era: ctx.era, sessionId: ctx.sessionId ?? null, deploymentId: ctx.deploymentId }),
          },
        ],
      }),
    );
  },
});

export default exampleApp;
