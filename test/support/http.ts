/** Raw HTTP helpers for tests that must see exact status codes and headers. */
export const JSON_AND_SSE = 'application/json, text/event-stream';

export interface RawOptions {
  sessionId?: string;
  protocolVersion?: string;
  headers?: Record<string, string>;
  method?: string;
  /** Aborting it drops the connection (a client that went away). */
  signal?: AbortSignal;
}

export function post(url: string, body: unknown, options: RawOptions = {}): Promise<Response> {
  return fetch(url, {
    method: options.method ?? 'POST',
    headers: {
      accept: JSON_AND_SSE,
      'content-type': 'application/json',
      ...(options.sessionId && { 'mcp-session-id': options.sessionId }),
      ...(options.protocolVersion && { 'mcp-protocol-version': options.protocolVersion }),
      ...options.headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(options.signal && { signal: options.signal }),
  });
}

export const initializeMessage = (protocolVersion = '2025-11-25', name = 'raw-test-client') => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name, version: '1.0.0' } },
});

/** Initializes a legacy session over raw HTTP and returns its id. */
export async function openSession(url: string, headers: Record<string, string> = {}, protocolVersion = '2025-11-25'): Promise<string> {
  const res = await post(url, initializeMessage(protocolVersion), { headers });
  const id = res.headers.get('mcp-session-id');
  await res.text();
  if (res.status !== 200 || !id) throw new Error(`initialize failed: HTTP ${res.status}`);
  const ack = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { sessionId: id, protocolVersion, headers });
  await ack.text();
  return id;
}

export interface SseEvent {
  id?: string;
  data: string;
  retry?: number;
}

/** Parses a complete SSE body. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split(/\n\n/)) {
    if (block.trim() === '' || block.startsWith(':')) continue;
    const event: SseEvent = { data: '' };
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) event.id = line.slice(4);
      else if (line.startsWith('data: ')) event.data += line.slice(6);
      else if (line.startsWith('data:')) event.data += line.slice(5);
      else if (line.startsWith('retry: ')) event.retry = Number(line.slice(7));
    }
    events.push(event);
  }
  return events;
}

/** The JSON-RPC messages in a response, whether it came back as JSON or SSE. */
export async function messagesOf(res: Response): Promise<Array<Record<string, unknown>>> {
  const text = await res.text();
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    return parseSse(text)
      .filter((e) => e.data.trim() !== '')
      .map((e) => JSON.parse(e.data) as Record<string, unknown>);
  }
  const body = JSON.parse(text) as unknown;
  return (Array.isArray(body) ? body : [body]) as Array<Record<string, unknown>>;
}

/** The /metrics page of a server. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(new URL('/metrics', url), { headers });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** The value of one sample, e.g. metric(text, 'durable_mcp_sessions_rejected_total{reason="unknown",status="404"}'); 0 when absent. */
export function metric(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}
