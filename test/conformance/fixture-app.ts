import { defineApp } from '../../src/runtime/app.js';
import { registerContentTools, registerPrompts, registerResources } from './fixture-content.js';
import { registerLegacyTools, registerSubscriptions } from './fixture-legacy.js';
import { registerModernPrompts, registerModernTools, requestStateHook } from './fixture-modern.js';

/**
 * The app the official MCP conformance suite runs against
 * (test/conformance/conformance.test.ts serves it with `durable-mcp serve
 * --app`). Built only on the public DurableApp contract, like any app: what
 * both eras share is registered for both; push-style server-to-client
 * requests and resource subscriptions only exist on legacy sessions;
 * input_required flows and the stateless diagnostics only on modern requests.
 */
export const conformanceApp = defineApp({
  name: 'durable-mcp-conformance-fixture',
  version: '1.0.0',
  serverOptions: { requestState: requestStateHook },
  capabilities: {
    // Declared up front because the subscribe handlers are registered on legacy sessions only.
    resources: { subscribe: true, listChanged: true },
  },
  register(server, ctx) {
    registerContentTools(server);
    registerResources(server);
    registerPrompts(server);
    if (ctx.era === 'legacy') {
      registerLegacyTools(server);
      registerSubscriptions(server);
    } else {
      registerModernTools(server, ctx.changes);
      registerModernPrompts(server);
    }
  },
});

export default conformanceApp;
