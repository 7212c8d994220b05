/**
 * Target (c): the SDK's stateless entry (createMcpHandler) serving modern
 * 2026-07-28 requests: a fresh McpServer per request, nothing kept between.
 */
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { registerEcho } from '../echo-app.js';
import { serve, webListener } from './listen.js';

const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'sdk-stateless-bench', version: '1.0.0' });
  registerEcho(server);
  return server;
});

serve(webListener((request) => handler.fetch(request)), 'sdk-stateless');
