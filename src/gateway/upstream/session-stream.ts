/**
 * Opening the standalone stream of a new (or restored) upstream session, and
 * deciding what waits for it. What the upstream sends before its stream
 * exists is dropped (the SDK servers do), so requests of a client that can
 * be asked something (sampling, elicitation, roots) wait until the stream is
 * known to be there; notifications sent before a stream exists are lost for
 * a direct client as well, so nobody else waits.
 */
import type { ClientCapabilities } from '@modelcontextprotocol/client';
import { anySignal } from '../../client/attempts.js';
import type { ResolvedUpstreamConfig } from './config.js';
import { exchange, type ExchangeTarget } from './exchange.js';
import { StandaloneStream, type StandaloneListener } from './standalone-stream.js';

/** Whether a server may send this client requests of its own: it declared some capability (sampling, roots, ...). */
export function canBeAsked(capabilities: ClientCapabilities | undefined): boolean {
  return capabilities !== undefined && Object.keys(capabilities).length > 0;
}

export interface OpenedStream {
  stream: StandaloneStream;
  /** Until the stream is known to be listening (bounded by streamOpenTimeout); undefined when nothing waits for it. */
  listening: Promise<void> | undefined;
}

export function openSessionStream(
  config: ResolvedUpstreamConfig,
  target: ExchangeTarget,
  capabilities: ClientCapabilities | undefined,
  deps: { closing: AbortSignal; nextId(): string; listener: StandaloneListener },
): OpenedStream {
  const stream = new StandaloneStream(target, config.reconnectBudget, deps.listener);
  stream.open();
  if (!canBeAsked(capabilities)) return { stream, listening: undefined };
  const probe = () => exchange(target, { jsonrpc: '2.0', id: deps.nextId(), method: 'ping' }, { signal: anySignal(AbortSignal.timeout(config.streamOpenTimeoutMs), deps.closing) });
  return { stream, listening: stream.listening(probe, config.streamOpenTimeoutMs) };
}
