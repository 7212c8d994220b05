import { Writable } from 'node:stream';
import { pino } from 'pino';
import { listen, type Listening, type ListenOptions } from '../../src/node/listen.js';
import { createDurableServer, type DurableServer, type DurableServerOptions } from '../../src/runtime/server.js';
import { testApp } from '../fixtures/test-app.js';

export interface InProcess {
  url: string;
  server: DurableServer;
  listening: Listening;
  logs: Array<Record<string, unknown>>;
  events(event: string): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A durable server in this process on a random loopback port, with its log lines captured. */
export async function startInProcess(options: Partial<DurableServerOptions> = {}, limits: Omit<ListenOptions, 'host' | 'port'> = {}): Promise<InProcess> {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const server = await createDurableServer({ app: testApp, store: 'pglite:memory', logger, ...options });
  const listening = await listen(server, { logger, ...limits, host: '127.0.0.1', port: 0 });
  return {
    url: listening.url,
    server,
    listening,
    logs,
    events: (event) => logs.filter((l) => l.event === event),
    async close() {
      await listening.close();
      await server.close();
    },
  };
}
