/**
 * The pure parts of the upstream side, without processes: the life-cycle
 * table, the catalog's list baselines and annotations, the 2026-07-28
 * envelope, the config's defaults and validation, and the JSON-RPC error a
 * client receives.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLIENT_INFO_META_KEY, LOG_LEVEL_META_KEY, PROTOCOL_VERSION_META_KEY, type JSONRPCResponse } from '@modelcontextprotocol/client';
import { OutcomeUnknownError } from '../../../src/client/errors.js';
import { UpstreamCatalog } from '../../../src/gateway/upstream/catalog.js';
import { resolveUpstreamConfig, UPSTREAM_DEFAULTS } from '../../../src/gateway/upstream/config.js';
import { withEnvelope } from '../../../src/gateway/upstream/envelope.js';
import { toJsonRpcError, UpstreamHttpError, UpstreamRejectedError } from '../../../src/gateway/upstream/errors.js';
import { Lifecycle } from '../../../src/gateway/upstream/lifecycle.js';
import type { UpstreamEvent } from '../../../src/gateway/upstream/types.js';
import { CLIENT } from '../support/session.js';

const tools = (...names: Array<[string, Record<string, boolean>?]>): JSONRPCResponse => ({
  jsonrpc: '2.0',
  id: 1,
  result: { tools: names.map(([name, annotations]) => ({ name, inputSchema: { type: 'object' }, ...(annotations && { annotations }) })) },
});

describe('upstream parts', () => {
  it('lifecycle: each transition reported once; one the table does not allow throws', () => {
    const events: UpstreamEvent[] = [];
    const lifecycle = new Lifecycle((event) => events.push(event));
    lifecycle.to('initializing', 'first use', undefined, 0);
    lifecycle.to('ready', 'initialized', 's1', 1);
    assert.throws(() => lifecycle.to('initializing', 'again', 's1', 1), /illegal transition ready -> initializing/);
    lifecycle.to('reinitializing', 'lost', 's1', 1);
    lifecycle.to('lost', 'unreachable', undefined, 1);
    lifecycle.to('closed', 'closed', undefined, 1);
    assert.throws(() => lifecycle.to('ready', 'late', undefined, 1));
    assert.deepEqual(events.map((e) => (e.type === 'transition' ? `${e.from}>${e.to}` : e.type)), [
      'idle>initializing',
      'initializing>ready',
      'ready>reinitializing',
      'reinitializing>lost',
      'lost>closed',
    ]);
  });

  it('catalog: a baseline only for lists the client saw; a different list differs; annotations survive a snapshot', () => {
    const catalog = new UpstreamCatalog();
    assert.deepEqual(catalog.learn('tools/list', undefined, tools(['a', { readOnlyHint: true }], ['b']), false), { persist: true, differs: false });
    assert.deepEqual(catalog.seenKinds, [], 'the gateway listing for annotations sets no baseline');
    assert.equal(catalog.learn('tools/list', undefined, tools(['a', { readOnlyHint: true }], ['b']), true).persist, true);
    assert.deepEqual(catalog.seenKinds, ['tools']);
    assert.deepEqual(catalog.learn('tools/list', undefined, tools(['a', { readOnlyHint: true }], ['b']), false), { persist: false, differs: false });
    assert.equal(catalog.learn('tools/list', undefined, tools(['a', { readOnlyHint: true }], ['c']), false).differs, true);
    const restored = new UpstreamCatalog({ toolAnnotations: catalog.annotations, listHashes: catalog.hashes });
    assert.deepEqual(restored.tool('a')?.annotations, { readOnlyHint: true });
    assert.deepEqual(restored.tool('c')?.annotations, {});
    assert.equal(restored.tool('b'), undefined);
    assert.equal(restored.learn('tools/list', undefined, tools(['a', { readOnlyHint: true }], ['c']), false).differs, false);
    // A later page adds annotations but is no baseline.
    assert.equal(restored.learn('tools/list', { cursor: 'p2' }, tools(['d', { idempotentHint: true }]), true).differs, false);
    assert.deepEqual(restored.tool('d')?.annotations, { idempotentHint: true });
  });

  it('envelope: the version is always ours, the client identity and level filled in, everything else kept', () => {
    const request = { jsonrpc: '2.0' as const, id: 3, method: 'tools/call', params: { name: 'x', _meta: { progressToken: 7, [PROTOCOL_VERSION_META_KEY]: '2099-01-01' } } };
    const sent = withEnvelope(request, CLIENT, 'debug');
    const meta = sent.params?._meta as Record<string, unknown>;
    assert.equal(meta[PROTOCOL_VERSION_META_KEY], '2026-07-28');
    assert.deepEqual(meta[CLIENT_INFO_META_KEY], CLIENT.clientInfo);
    assert.equal(meta[LOG_LEVEL_META_KEY], 'debug');
    assert.equal(meta.progressToken, 7);
    assert.equal(sent.params?.name, 'x');
    assert.equal(request.params._meta[PROTOCOL_VERSION_META_KEY], '2099-01-01', 'the caller\'s message is not modified');
  });

  it('config: stated defaults, and bad values refused at once', () => {
    const config = resolveUpstreamConfig({ url: 'http://127.0.0.1:1/mcp' });
    assert.equal(config.requestTimeoutMs, UPSTREAM_DEFAULTS.requestTimeoutMs);
    assert.equal(config.reconnectBudget.maxRetries, 30);
    assert.equal(config.era, 'auto');
    assert.throws(() => resolveUpstreamConfig({ url: 'ftp://x/mcp' }), /http\(s\)/);
    assert.throws(() => resolveUpstreamConfig({ url: 'http://x/mcp', requestTimeoutMs: -1 }), /requestTimeoutMs/);
    assert.throws(() => resolveUpstreamConfig({ url: 'http://x/mcp', era: 'future' as 'auto' }), /era/);
  });

  it('errors: what the client is sent says whether the call may have run, never a result', () => {
    const unknown = toJsonRpcError(new OutcomeUnknownError({ method: 'tools/call', tool: 'write' }, 'stream-cut', 1), 'a');
    assert.equal(unknown.id, 'a');
    assert.match(unknown.error.message, /tools\/call \(write\).*may or may not have run/);
    assert.deepEqual(unknown.error.data, { code: 'DURABLE_MCP_OUTCOME_UNKNOWN', mayHaveRun: true });
    const http = toJsonRpcError(new UpstreamHttpError({ method: 'ping' }, 401, 'no'), 1);
    assert.deepEqual(http.error.data, { code: 'DURABLE_MCP_UPSTREAM_HTTP', mayHaveRun: false });
    const refusal = { jsonrpc: '2.0' as const, id: 'gw-1', error: { code: -32602, message: 'Unsupported protocol version' } };
    assert.deepEqual(toJsonRpcError(new UpstreamRejectedError({ method: 'initialize' }, refusal), 0), { ...refusal, id: 0 });
    assert.equal(toJsonRpcError(new Error('bug'), 2).error.code, -32603);
  });
});
