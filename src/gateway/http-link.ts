/** The link of a route whose upstream speaks Streamable HTTP: one UpstreamSession per front session. */
import type { LinkFactory, UpstreamLink } from './link.js';
import type { ResolvedUpstreamConfig } from './upstream/config.js';
import { UpstreamSession } from './upstream/session.js';

export function httpLinkFactory(upstream: ResolvedUpstreamConfig): LinkFactory {
  return (client, snapshot, hooks): UpstreamLink => new UpstreamSession({ upstream, client, hooks, ...(snapshot && { snapshot }) });
}
