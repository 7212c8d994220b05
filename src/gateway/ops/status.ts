/**
 * One upstream as the gateway reports it to people: `/upstreams` serves it
 * as JSON, and a console mounted in the gateway gets it through
 * GatewayMountContext. Never a credential: the address is shown without user
 * info or query string, error texts are scrubbed.
 */
import { routeLabel, type GatewayRoute } from '../route.js';
import type { Reachability } from './health.js';
import type { UpstreamHistory } from './history.js';

export type { Reachability } from './health.js';
export type { UpstreamHistory } from './history.js';

export interface UpstreamStatus {
  /** The route's name in metrics, logs and `/upstreams` (`default` for the one at `/mcp`). */
  name: string;
  /** Where clients reach it on the gateway. */
  path: string;
  /** What the route says about itself: kind, address without credentials, era, forwarding. */
  describe: Readonly<Record<string, unknown>>;
  /** Whether it answers now (checked at most every 2 s); undefined when this kind of upstream offers no check. */
  reachability: Reachability | undefined;
  /** What this gateway process has seen of it since it started. */
  history: UpstreamHistory;
}

export async function upstreamStatus(route: GatewayRoute): Promise<UpstreamStatus> {
  return {
    name: routeLabel(route.name),
    path: route.name === '' ? '/mcp' : `/mcp/${route.name}`,
    describe: route.describe,
    reachability: await route.health(),
    history: route.history(),
  };
}
