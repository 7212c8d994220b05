/**
 * What the console tests share: a real Chromium from Debian's package driven
 * by playwright-core, real servers (`durable-mcp serve` child processes) with
 * API keys, and a real MCP client that writes memory through the tools.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { chromium, type Browser } from 'playwright-core';
import { removeTempDir, tempDir } from '../../harness/temp.js';
import { findTool } from '../../harness/tools.js';

export const KEYS = {
  alice: 'alice-console-key-0001',
  bob: 'bob-console-key-000002',
  ops: 'ops-console-key-000003',
} as const;

/** A temp dir with the key file; removed by the returned function. */
export function keyFiles(): { dir: string; keysFile: string; remove(): void } {
  const dir = tempDir('dmcp-console');
  const keysFile = join(dir, 'keys');
  writeFileSync(keysFile, Object.entries(KEYS).map(([p, k]) => `${p}:${k}`).join('\n') + '\n');
  return { dir, keysFile, remove: () => removeTempDir(dir) };
}

/** The flags this machine's closed network needs (see the machine notes): no background connections, no sandbox as root. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless Chromium; without it the test fails (by hand as in CI) naming the package to install, never skips. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findTool('chromium');
  if (!executablePath) assert.fail('chromium is not installed: install the Debian package "chromium" (node scripts/ensure-tools.mjs chromium, as root)');
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export interface MemoryClient {
  call(tool: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
  readonly sessionId: string | undefined;
  close(): Promise<void>;
}

/** A stock SDK v2 client on a legacy session (the kind a restart must not break), with a bearer key. */
export async function memoryClient(url: string, key: string, name = 'console-test-client'): Promise<MemoryClient> {
  const client = new Client({ name, version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
  await client.connect(transport);
  return {
    get sessionId() {
      return transport.sessionId;
    },
    async call(tool, args = {}) {
      const result = (await client.callTool({ name: tool, arguments: args })) as { content?: Array<{ text?: string }>; isError?: boolean };
      const text = result.content?.[0]?.text ?? '';
      assert.ok(!result.isError, `${tool} failed: ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    },
    close: () => client.close(),
  };
}
