/**
 * What `durable-mcp serve` runs without --app, re-exported as a module
 * default so test/support/server-process.ts (which always passes --app) can
 * serve exactly that app for the transport scenarios.
 */
export { defaultApp as default } from '../../src/apps/default.js';
