import type { AuthInfo } from '@modelcontextprotocol/server';
import type { SessionRecord } from '../../store/index.js';
import { DurableMcpError } from '../errors.js';
import { internalRequest, responseOf, type InternalTarget } from './internal-request.js';

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
export async function replayHandshake(
  target: InternalTarget,
  record: Pick<SessionRecord, 'initializeParams' | 'logLevel' | 'subscriptions'>,
  authInfo: AuthInfo | undefined): Promise<void> {
  const init = await internalRequest(
    target,
    { jsonrpc: '2.0', id: 'durable-mcp/rehydrate/initialize', method: 'initialize', params: record.initializeParams },
    false,
    authInfo,
  );
  await expectResult(init, 'initialize');
  const initialized = await internalRequest(target, { jsonrpc: '2.0', method: 'notifications/initialized' }, true, authInfo);
  await initialized.body?.cancel();
  if (initialized.status !== 202) throw replayFailed('notifications/initialized', `HTTP ${initialized.status}`);
  if (record.logLevel) {
    const level = await internalRequest(
      target,
      { jsonrpc: '2.0', id: 'durable-mcp/rehydrate/level', method: 'logging/setLevel', params: { level: record.logLevel } },
      true,
      authInfo,
    );
    await expectResult(level, 'logging/setLevel');
  }
  for (const [i, uri] of record.subscriptions.entries()) {
    // An app without a subscribe handler answers an error; the subscription simply stays unserved, as before the restart.
    const sub = await internalRequest(
      target,
      { jsonrpc: '2.0', id: `durable-mcp/rehydrate/subscribe/${i}`, method: 'resources/subscribe', params: { uri } },
      true,
      authInfo,
    );
    await sub.text();
  }
}

async function expectResult(response: Response, step: string): Promise<void> {
  const message = await responseOf(response);
  if (response.status !== 200 || !message?.result) {
    throw replayFailed(step, `HTTP ${response.status}: ${message?.error?.message ?? 'no result'}`);
  }
}

function replayFailed(step: string, detail: string): DurableMcpError {
  return new DurableMcpError('REHYDRATION_FAILED', `replaying ${step} into a fresh SDK transport failed: ${detail}`);
}
