/**
 * An UpstreamSession as the front will drive it, with everything it reports
 * captured for assertions: events, snapshots, messages, recreations.
 */
import type { JSONRPCRequest, JSONRPCResponse, RequestId } from '@modelcontextprotocol/client';
import {
  resolveUpstreamConfig,
  UpstreamSession,
  type FrontIdentity,
  type RecreatedInfo,
  type UpstreamConfig,
  type UpstreamEvent,
  type UpstreamMessage,
  type UpstreamSnapshot,
} from '../../../src/gateway/upstream/index.js';

export const CLIENT: FrontIdentity['initialize'] = {
  protocolVersion: '2025-11-25',
  capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
  clientInfo: { name: 'front-client', version: '3.1.4' },
};

export interface Observed {
  session: UpstreamSession;
  events: UpstreamEvent[];
  snapshots: UpstreamSnapshot[];
  messages: Array<{ message: UpstreamMessage; related: RequestId | undefined }>;
  recreated: RecreatedInfo[];
  transitions(): string[];
}

/** Fast enough for tests, still bounded: the defaults are minutes-scale for production. */
export const TEST_UPSTREAM: Partial<UpstreamConfig> = {
  requestTimeoutMs: 20_000,
  handshakeTimeoutMs: 5_000,
  backoff: { initialDelayMs: 50, maxDelayMs: 500 },
  requestRetries: { maxRetries: 20, windowMs: 15_000 },
  reconnect: { maxRetries: 40, windowMs: 15_000 },
  // An upper bound, not a wait: it ends when the stream opens. A loaded 2-core machine can take longer than
  // the 2 s default to answer the GET, and a sampling request sent before the stream exists is dropped upstream.
  streamOpenTimeoutMs: 10_000,
};

export function observe(url: string, options: { config?: Partial<UpstreamConfig>; identity?: Partial<FrontIdentity>; snapshot?: UpstreamSnapshot } = {}): Observed {
  const observed: Omit<Observed, 'session'> = {
    events: [],
    snapshots: [],
    messages: [],
    recreated: [],
    transitions: () => observed.events.flatMap((e) => (e.type === 'transition' ? [`${e.from}>${e.to}`] : [])),
  };
  const session = new UpstreamSession({
    upstream: resolveUpstreamConfig({ url, ...TEST_UPSTREAM, ...options.config }),
    client: { initialize: CLIENT, ...options.identity },
    ...(options.snapshot && { snapshot: options.snapshot }),
    hooks: {
      onEvent: (event) => observed.events.push(event),
      onSnapshot: (snapshot) => observed.snapshots.push(structuredClone(snapshot)),
      onMessage: (message, related) => observed.messages.push({ message, related }),
      onRecreated: (info) => observed.recreated.push(info),
    },
  });
  return { ...observed, session };
}

let nextId = 0;

export function call(name: string, args: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): JSONRPCRequest {
  return { jsonrpc: '2.0', id: ++nextId, method: 'tools/call', params: { name, arguments: args, ...extra } };
}

export function rpc(method: string, params?: Record<string, unknown>): JSONRPCRequest {
  return { jsonrpc: '2.0', id: ++nextId, method, ...(params && { params }) };
}

/** The text of a tool result, or a failure naming what came back instead. */
export function textOf(response: JSONRPCResponse): string {
  if ('error' in response) throw new Error(`JSON-RPC error: ${JSON.stringify(response.error)}`);
  const content = (response.result as { content?: Array<{ type: string; text?: string }> }).content;
  const first = content?.[0];
  if (!first || first.type !== 'text' || first.text === undefined) throw new Error(`not a text result: ${JSON.stringify(response.result)}`);
  return first.text;
}
