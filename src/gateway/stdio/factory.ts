/**
 * A route of the gateway served by a stdio server: the LinkFactory the front
 * builds on (src/gateway/link.ts), and the one supervisor that owns every
 * child of the route (the limit, the drain).
 *
 * The factory takes one argument more than LinkFactory's three, optional:
 * who the link serves. The front session id goes into every log line of the
 * child (its stderr too); the principal decides which shared children a
 * session may use with `share`, so that one principal's calls never run in
 * a process serving another.
 */
import type { LinkContext } from '../link.js';
import type { FrontIdentity, UpstreamHooks, UpstreamSnapshot } from '../upstream/types.js';
import { resolveStdioConfig, type ResolvedStdioConfig, type StdioUpstreamConfig } from './config.js';
import { StdioUpstreamSession } from './session.js';
import { SharedStdioSession } from './shared.js';
import { SharedChildren } from './shared-pool.js';
import { ChildSupervisor } from './supervisor.js';
import type { StdioEventHook } from './types.js';

export type { LinkContext };
export type StdioLink = StdioUpstreamSession | SharedStdioSession;

export type StdioLinkFactory = (front: FrontIdentity, snapshot: UpstreamSnapshot | undefined, hooks: UpstreamHooks, context?: LinkContext) => StdioLink;

export interface StdioUpstream {
  readonly link: StdioLinkFactory;
  readonly supervisor: ChildSupervisor;
  readonly config: ResolvedStdioConfig;
  /** Refuses new children and stops all (stdin, SIGTERM, SIGKILL): call it in the gateway's drain, after in-flight requests. */
  drain(): Promise<void>;
}

export function createStdioUpstream(config: StdioUpstreamConfig, onEvent?: StdioEventHook): StdioUpstream {
  const resolved = resolveStdioConfig(config);
  const supervisor = new ChildSupervisor(resolved, onEvent);
  const shared = resolved.shareChildren === undefined ? undefined : new SharedChildren(supervisor, resolved.shareChildren);
  const link: StdioLinkFactory = (client, snapshot, hooks, context = {}) => {
    const owner = { ...(context.sessionId !== undefined && { sessionId: context.sessionId }), ...(context.principal !== undefined && { principal: context.principal }) };
    if (!shared) return new StdioUpstreamSession({ supervisor, client, hooks, owner, ...(snapshot && { snapshot }) });
    if (context.principal === undefined) throw new TypeError('stdio upstream with share: the front must name the principal of each session');
    return new SharedStdioSession({ pool: shared.forPrincipal(context.principal), client, hooks, owner, ...(snapshot && { snapshot }) });
  };
  return { link, supervisor, config: resolved, drain: () => supervisor.drain() };
}
