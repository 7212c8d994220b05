/**
 * The one tool every target serves. The plain-SDK targets register it with
 * `registerEcho` and durable-mcp serves `echoApp` (`serve --app`), so every
 * target runs the same handler and the same input validation: differences in
 * the results are the serving stack, not the tool.
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { defineApp } from '../src/runtime/app.js';

export function registerEcho(server: McpServer): void {
  server.registerTool(
    'echo',
    { description: 'Echo text back.', inputSchema: { text: z.string() }, annotations: { readOnlyHint: true } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
}

export const echoApp = defineApp({
  name: 'durable-mcp-bench',
  version: '1.0.0',
  register: (server) => registerEcho(server),
});

export default echoApp;
