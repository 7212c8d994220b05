/**
 * Fixture surface only a 2025-era (sessionful) client can use: server-to-client
 * requests pushed on the tool call's stream (sampling, elicitation), a tool
 * that cuts its own SSE stream to force a resume (SEP-1699), and resource
 * subscriptions. On 2026-07-28 these are replaced by input_required results
 * and subscriptions/listen (see fixture-modern.ts), and the removed methods
 * must answer "method not found", so none of this is registered there.
 */
import type { ElicitResult, McpServer, ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The requestedSchema of an elicitation, as sent on the wire (the scenarios need shapes the SDK's form types do not name, e.g. enumNames). */
type RequestedSchema = { type: 'object'; properties: Record<string, Record<string, unknown>>; required?: string[] };

async function elicit(ctx: ServerContext, message: string, requestedSchema: RequestedSchema): Promise<ElicitResult> {
  return ctx.mcpReq.send({ method: 'elicitation/create', params: { message, requestedSchema } });
}

const describeElicitation = (result: ElicitResult) => `action=${result.action}, content=${JSON.stringify(result.content ?? {})}`;

export function registerLegacyTools(server: McpServer): void {
  server.registerTool(
    'test_reconnection',
    { description: 'Closes its own SSE stream mid-call; the result arrives after the client resumes (SEP-1699).' },
    async (ctx: ServerContext) => {
      // The transport offers closeSSE only when it has an event store, which every durable session has.
      ctx.http?.closeSSE?.();
      await sleep(100);
      return {
        content: [
          {
            type: 'text',
            text: 'Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.',
          },
        ],
      };
    },
  );

  server.registerTool(
    'test_sampling',
    { description: 'Asks the client for an LLM completion.', inputSchema: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }) },
    async ({ prompt }, ctx) => {
      const result = await ctx.mcpReq.send({
        method: 'sampling/createMessage',
        params: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 },
      });
      // 2025-11-25 allows one content block or an array of them.
      const blocks = Array.isArray(result.content) ? result.content : [result.content];
      const text = blocks.map((block) => (block.type === 'text' ? block.text : `[${block.type}]`)).join(' ');
      return { content: [{ type: 'text', text: `LLM response: ${text}` }] };
    },
  );

  server.registerTool(
    'test_elicitation',
    { description: 'Asks the user for input.', inputSchema: z.object({ message: z.string().describe('The message to show the user') }) },
    async ({ message }, ctx) => {
      const result = await elicit(ctx, message, {
        type: 'object',
        properties: {
          username: { type: 'string', description: "User's response" },
          email: { type: 'string', description: "User's email address" },
        },
        required: ['username', 'email'],
      });
      return { content: [{ type: 'text', text: `User response: ${describeElicitation(result)}` }] };
    },
  );

  server.registerTool('test_elicitation_sep1034_defaults', { description: 'Elicitation with defaults for every primitive type (SEP-1034).' }, async (ctx) => {
    const result = await elicit(ctx, 'Please review and update the form fields with defaults', {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'User name', default: 'John Doe' },
        age: { type: 'integer', description: 'User age', default: 30 },
        score: { type: 'number', description: 'User score', default: 95.5 },
        status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
        verified: { type: 'boolean', description: 'Verification status', default: true },
      },
      required: [],
    });
    return { content: [{ type: 'text', text: `Elicitation completed: ${describeElicitation(result)}` }] };
  });

  server.registerTool('test_elicitation_sep1330_enums', { description: 'Elicitation with all five enum schema variants (SEP-1330).' }, async (ctx) => {
    const result = await elicit(ctx, 'Please select options from the enum fields', {
      type: 'object',
      properties: {
        untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
        titledSingle: {
          type: 'string',
          description: 'Select one option with titles',
          oneOf: [
            { const: 'value1', title: 'First Option' },
            { const: 'value2', title: 'Second Option' },
            { const: 'value3', title: 'Third Option' },
          ],
        },
        legacyEnum: {
          type: 'string',
          description: 'Select one option (legacy)',
          enum: ['opt1', 'opt2', 'opt3'],
          enumNames: ['Option One', 'Option Two', 'Option Three'],
        },
        untitledMulti: {
          type: 'array',
          description: 'Select multiple options',
          minItems: 1,
          maxItems: 3,
          items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
        },
        titledMulti: {
          type: 'array',
          description: 'Select multiple options with titles',
          minItems: 1,
          maxItems: 3,
          items: {
            anyOf: [
              { const: 'value1', title: 'First Choice' },
              { const: 'value2', title: 'Second Choice' },
              { const: 'value3', title: 'Third Choice' },
            ],
          },
        },
      },
      required: [],
    });
    return { content: [{ type: 'text', text: `Elicitation completed: ${describeElicitation(result)}` }] };
  });
}

/**
 * resources/subscribe and resources/unsubscribe. The runtime itself records
 * the subscriptions on the session (and replays them into a rebuilt session);
 * the app only has to accept them.
 */
export function registerSubscriptions(server: McpServer): void {
  server.server.setRequestHandler('resources/subscribe', async () => ({}));
  server.server.setRequestHandler('resources/unsubscribe', async () => ({}));
}
