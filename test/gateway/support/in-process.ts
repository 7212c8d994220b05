/** The gateway in this process on a random loopback port, its log lines captured (what is not about crashes). */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createDurableGateway, type DurableGatewayOptions } from '../../../src/gateway/gateway.js';
import { listen, type Listening } from '../../../src/node/listen.js';
import type { DurableServer } from '../../../src/runtime/runtime.js';

export interface InProcessGateway {
  url: string;
  base: string;
  server: DurableServer;
  logs: Array<Record<string, unknown>>;
  events(event: string): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startGateway(options: DurableGatewayOptions): Promise<InProcessGateway> {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const server = await createDurableGateway({ logger: pino({ level: 'debug' }, sink), ...options });
  let listening: Listening;
  try {
    listening = await listen(server, { host: '127.0.0.1', port: 0 });
  } catch (error) {
    await server.close({ graceMs: 0 });
    throw error;
  }
  const base = listening.url.replace(/\/mcp$/, '');
  return {
    url: listening.url,
    base,
    server,
    logs,
    events: (event) => logs.filter((l) => l.event === event),
    async close() {
      await server.close({ graceMs: 0 });
    },
  };
}
