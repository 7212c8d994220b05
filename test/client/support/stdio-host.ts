/**
 * A desktop host as the bridge meets it: a stock SDK `Client` that spawns
 * `durable-mcp bridge <url>` and talks to it over stdio, declaring sampling,
 * form elicitation and roots, with handlers that answer as a host would (and
 * one that refuses, to see an error travel back). It counts what it was asked.
 */
import { Client, ProtocolError } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { ClientCapabilities, Root } from '@modelcontextprotocol/client';
import { withTimeout } from '../../../harness/timeout.js';

/** What every host here declares; the bridge must declare exactly this upstream. */
export const HOST_CAPABILITIES: ClientCapabilities = {
  sampling: {},
  elicitation: { form: {} },
  roots: { listChanged: true },
  experimental: { 'example/feature': { enabled: true } },
};

/** An elicitation whose message is this is refused with this error. */
export const REFUSE = 'refuse';
export const REFUSAL = { code: -32099, message: 'the user closed the form', data: { reason: 'test' } };

export interface StdioHost {
  readonly client: Client;
  readonly asked: { sampling: number; elicitation: number; roots: number };
  roots: Root[];
  stderr(): string;
  close(): Promise<void>;
}

export async function connectHost(bridgeEntry: string, args: string[], env: Record<string, string> = {}): Promise<StdioHost> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bridgeEntry, ...args],
    env: { ...getDefaultEnvironment(), ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'desktop-host', version: '1.0.0' }, { capabilities: HOST_CAPABILITIES });
  const host: StdioHost = {
    client,
    asked: { sampling: 0, elicitation: 0, roots: 0 },
    roots: [{ uri: 'file:///projects/alpha', name: 'alpha' }],
    stderr: () => stderr,
    close: () => client.close(),
  };
  client.setRequestHandler('sampling/createMessage', async (request) => {
    host.asked.sampling++;
    const last = request.params.messages.at(-1)?.content;
    const prompt = last && !Array.isArray(last) && last.type === 'text' ? last.text : '?';
    return { role: 'assistant', content: { type: 'text', text: `sampled: ${prompt}` }, model: 'host-model' };
  });
  client.setRequestHandler('elicitation/create', async (request) => {
    host.asked.elicitation++;
    if (request.params.message === REFUSE) throw new ProtocolError(REFUSAL.code, REFUSAL.message, REFUSAL.data);
    return { action: 'accept', content: { answer: 'forty-two' } };
  });
  client.setRequestHandler('roots/list', async () => {
    host.asked.roots++;
    return { roots: host.roots };
  });
  await withTimeout(client.connect(transport), 20_000, 'connect through the bridge');
  return host;
}
