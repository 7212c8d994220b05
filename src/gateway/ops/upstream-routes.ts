/**
 * `GET /upstreams` and `GET /upstreams/<name>/health` (behind the API keys):
 * whether each upstream answers right now, what the gateway knows about it,
 * and what this process has seen of it (last re-initialization, unknown
 * outcomes). Never its credentials: the URL is shown without user info or
 * query. The default route (`/mcp`) is named `default` here, as in metrics
 * and logs.
 */
import type { EngineRoute } from '../../runtime/runtime.js';
import { wireError } from '../../runtime/errors.js';
import { routeLabel, type GatewayRoute } from '../route.js';
import { upstreamStatus } from './status.js';

async function report(route: GatewayRoute) {
  const { name, path, describe, reachability, history } = await upstreamStatus(route);
  return {
    name,
    path,
    ...describe,
    ...(reachability
      ? { status: reachability.reachable ? 'reachable' : 'unreachable', ...reachability }
      : { status: 'unknown', detail: 'this kind of upstream offers no check' }),
    ...history,
  };
}

export function upstreamRoutes(routes: ReadonlyMap<string, GatewayRoute>): EngineRoute[] {
  const byLabel = new Map([...routes.values()].map((route) => [routeLabel(route.name), route]));
  return [
    {
      path: '/upstreams',
      handler: async () => Response.json({ upstreams: await Promise.all([...routes.values()].map(report)) }),
    },
    {
      path: '/upstreams/:name/health',
      handler: async (_request, params) => {
        const route = byLabel.get(params.name ?? '');
        if (!route) return wireError('NOT_FOUND', { message: `Not found: no upstream named '${(params.name ?? '').slice(0, 64)}'; GET /upstreams lists them` });
        const body = await report(route);
        return Response.json(body, { status: body.status === 'unreachable' ? 503 : 200 });
      },
    },
  ];
}
