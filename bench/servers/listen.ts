/**
 * Shared start-up for the comparison servers: bind 127.0.0.1 on the port the
 * benchmark chose, then print the same `server_started` JSON line that
 * `durable-mcp serve` logs, so one spawn helper drives every target. SIGTERM
 * exits cleanly (so `--cpu-prof` gets to write its profile).
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';

export type FetchHandler = (request: Request) => Promise<Response> | Response;

/** The same adapter durable-mcp's src/node/listen.ts uses, so adapter cost is identical across targets. */
export function webListener(fetch: FetchHandler): RequestListener {
  return getRequestListener(fetch, { hostname: '127.0.0.1', overrideGlobalObjects: false });
}

export function serve(listener: RequestListener, name: string): void {
  const started = performance.now();
  const port = Number(process.env.PORT ?? 0);
  const http = createServer(listener);
  http.keepAliveTimeout = 65_000;
  http.listen(port, '127.0.0.1', () => {
    const { port: bound } = http.address() as AddressInfo;
    process.stdout.write(
      `${JSON.stringify({ event: 'server_started', url: `http://127.0.0.1:${bound}/mcp`, target: name, bootMs: Math.round(performance.now() - started) })}\n`,
    );
  });
  process.once('SIGTERM', () => {
    http.closeAllConnections();
    http.close(() => process.exit(0));
  });
}
