/**
 * The gateway as a real process (`durable-mcp gateway`), restartable on the
 * same port and store, plus the stock SDK clients the tests drive through it.
 */
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startServer, type LogLine, type ServerProcess } from '../../support/server-process.js';
import { freePort } from '../../../harness/ports.js';

export interface GatewayOptions {
  store: string;
  args: string[];
  env?: Record<string, string | undefined>;
}

export class GatewayProcess {
  #process: ServerProcess | undefined;
  /** Log lines of every process this gateway has been, in order. */
  readonly logs: LogLine[] = [];

  private constructor(
    readonly port: number,
    private readonly options: GatewayOptions,
  ) {}

  static async start(options: GatewayOptions, port?: number): Promise<GatewayProcess> {
    const gateway = new GatewayProcess(port ?? (await freePort()), options);
    await gateway.restart();
    return gateway;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/mcp`;
  }

  get process(): ServerProcess {
    if (!this.#process) throw new Error('the gateway is not running');
    return this.#process;
  }

  events(event: string): LogLine[] {
    return [...this.logs, ...(this.#process?.logs ?? [])].filter((l) => l.event === event);
  }

  /** Every log line, as one text (to search for what must never appear). */
  logText(): string {
    return [...this.logs, ...(this.#process?.logs ?? [])].map((l) => JSON.stringify(l)).join('\n') + (this.#process?.stderr() ?? '');
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const running = this.#process;
    if (!running) return;
    await running.kill(signal);
    this.logs.push(...running.logs);
    this.#process = undefined;
  }

  async restart(): Promise<void> {
    await this.kill();
    this.#process = await startServer({ command: 'gateway', store: this.options.store, port: this.port, args: this.options.args, env: this.options.env ?? {} });
  }
}

export const CLIENT_CAPABILITIES = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

/** A stock SDK v2 client (2025-era session). */
export async function connectV2(url: string, name = 'stock-v2', headers: Record<string, string> = {}): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name, version: '1.0.0' }, { capabilities: CLIENT_CAPABILITIES });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return { client, transport };
}

/** A stock SDK v1 client. */
export async function connectV1(url: string, name = 'stock-v1', headers: Record<string, string> = {}): Promise<{ client: ClientV1; transport: TransportV1 }> {
  const client = new ClientV1({ name, version: '1.0.0' }, { capabilities: CLIENT_CAPABILITIES });
  const transport = new TransportV1(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return { client, transport };
}

export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}
