import type { AuthInfo, JSONRPCMessage } from '@modelcontextprotocol/server';
import type { SessionRecord } from '../../store/records.js';
import { DurableMcpError } from '../errors.js';
import type { LiveSession } from './live-session.js';

/**
 * Rebuilds a session in a fresh process by replaying its handshake through the
 * SDK transport's public `handleRequest`: the stored initialize request, the
 * initialized notification, then the log level and resource subscriptions the
 * client had set. Every bit of SDK state (the transport's initialized flag and
 * session id, the server's client capabilities, client info, negotiated
 * version, per-session log level) is then set by the SDK's own code paths, not
 * by touching private fields. The SDK has no public "adopt session" API
 * (typescript-sdk issues #1658, #1882); test/runtime/sdk-contract.test.ts
 * fails loudly if an upgrade changes what this relies on.
 *
 * Side effect to know about: an app's `oninitialized` callback runs again.
 */
export async function replayHandshake(live: LiveSession, record: SessionRecord, authInfo: AuthInfo | undefined): Promise<void> {
  live.events.muted = true;
  try {
    const init = await post(live, record, authInfo, false, {
      jsonrpc: '2.0',
      id: 'durable-mcp/rehydrate/initialize',
      method: 'initialize',
      params: record.initializeParams,
    });
    await expectResult(init, 'initialize');
    const initialized = await post(live, record, authInfo, true, { jsonrpc: '2.0', method: 'notifications/initialized' });
    await initialized.body?.cancel();
    if (initialized.status !== 202) throw replayFailed('notifications/initialized', `HTTP ${initialized.status}`);
    if (record.logLevel) {
      const level = await post(live, record, authInfo, true, {
        jsonrpc: '2.0',
        id: 'durable-mcp/rehydrate/level',
        method: 'logging/setLevel',
        params: { level: record.logLevel },
      });
      await expectResult(level, 'logging/setLevel');
    }
    for (const [i, uri] of record.subscriptions.entries()) {
      // An app without a subscribe handler answers an error; the subscription simply stays unserved, as before the restart.
      const sub = await post(live, record, authInfo, true, {
        jsonrpc: '2.0',
        id: `durable-mcp/rehydrate/subscribe/${i}`,
        method: 'resources/subscribe',
        params: { uri },
      });
      await sub.text();
    }
  } finally {
    live.events.muted = false;
  }
}

function post(
  live: LiveSession,
  record: SessionRecord,
  authInfo: AuthInfo | undefined,
  withSession: boolean,
  message: JSONRPCMessage,
): Promise<Response> {
  const headers: Record<string, string> = {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
  };
  if (withSession) {
    headers['mcp-session-id'] = record.id;
    headers['mcp-protocol-version'] = record.protocolVersion;
  }
  // The body travels as parsedBody; the Request only carries headers for the transport's checks.
  const request = new Request('http://durable-mcp.internal/mcp', { method: 'POST', headers });
  return live.transport.handleRequest(request, { parsedBody: message, ...(authInfo && { authInfo }) });
}

async function expectResult(response: Response, step: string): Promise<void> {
  const text = await response.text();
  if (response.status !== 200 || !text.includes('"result"')) {
    throw replayFailed(step, `HTTP ${response.status}: ${text.slice(0, 300)}`);
  }
}

function replayFailed(step: string, detail: string): DurableMcpError {
  return new DurableMcpError('REHYDRATION_FAILED', `replaying ${step} into a fresh SDK transport failed: ${detail}`);
}
