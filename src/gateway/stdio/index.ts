/**
 * The gateway's stdio side: serving a stdio MCP server (`npx some-server`)
 * to remote clients, one child process per front session (or, with `share`,
 * a few per principal), each bound to the gateway's life.
 */
export { createStdioUpstream, type LinkContext, type StdioLink, type StdioLinkFactory, type StdioUpstream } from './factory.js';
export { resolveStdioConfig, STDIO_DEFAULTS, type ResolvedStdioConfig, type StdioUpstreamConfig } from './config.js';
export { StdioUpstreamSession, type StdioSessionOptions } from './session.js';
export { SharedStdioSession } from './shared.js';
export { ChildSupervisor } from './supervisor.js';
export { canArmParentDeath } from './process-group.js';
export type { ChildOwner, ChildRef, ChildState, StdioEvent, StdioEventHook } from './types.js';
export { createStdioMetrics, stdioTelemetry, type StdioMetrics } from './telemetry.js';
