/**
 * Wires the bridge: the resilient client to the remote, the proxy server to
 * stdio, remote notifications to the local client, and list-change detection
 * to reconnects. Resolves once both sides are up; `done` settles with the
 * exit code when the local client hangs up or `close()` is called.
 */
import { VERSION } from '../version.js';
import type { Readable, Writable } from 'node:stream';
import type { Notification } from '@modelcontextprotocol/client';
import type { Server } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { ResilientClient } from '../client/index.js';
import type { LogLevel } from './args.js';
import { ListWatcher } from './list-watch.js';
import { createStderrLogger, describeError, type BridgeLogger } from './logger.js';
import { buildProxyServer } from './proxy-server.js';

export interface BridgeOptions {
  /** The remote Streamable HTTP endpoint. */
  url: string | URL;
  /** HTTP headers for every remote request (already expanded; may hold secrets, never logged). */
  headers?: Record<string, string>;
  /** Per-request timeout toward the remote, in ms. */
  timeoutMs?: number;
  logLevel?: LogLevel;
  /** Overrides the stderr logger (embedding, tests). */
  logger?: BridgeLogger;
  /** Defaults to process.stdin / process.stdout. */
  stdin?: Readable;
  stdout?: Writable;
}

export interface BridgeHandle {
  /** Settles with the exit code once the bridge has stopped. */
  readonly done: Promise<number>;
  close(): Promise<void>;
  readonly remote: ResilientClient;
}

const BRIDGE_CLIENT_INFO = { name: 'durable-mcp-bridge', version: VERSION };
const DEFAULT_STARTUP_WAIT_MS = 60_000;

/** Notifications the local client must not receive as-is: they refer to ids on the remote connection. */
const NOT_FORWARDED = new Set(['notifications/cancelled', 'notifications/progress']);

function forwardNotification(server: Server, notification: Notification, logger: BridgeLogger): void {
  if (NOT_FORWARDED.has(notification.method)) return;
  server.notification(notification).catch((error: unknown) => logger.debug(`${notification.method} not forwarded: ${describeError(error)}`));
}

function logClientEvents(remote: ResilientClient, logger: BridgeLogger): void {
  remote.on('disconnect', (e) => logger.warn(`lost the remote session (${e.reason}); recovering`));
  remote.on('reconnect', (e) => logger.info(`reconnected to the remote (${e.era ?? 'unknown'} era, connection ${e.generation})`));
  remote.on('reinitialize', (e) =>
    logger.info(`re-initialized the remote session; re-applied log level ${e.logLevel ?? '(none)'} and ${e.subscriptions} subscription(s)`),
  );
  remote.on('retry', (e) => logger.debug(`retrying ${e.method}${e.tool ? ` ${e.tool}` : ''} (${e.reason}) in ${e.delayMs} ms`));
  remote.on('outcomeUnknown', (e) =>
    logger.warn(`${e.method}${e.tool ? ` ${e.tool}` : ''}: connection lost mid-request (${e.reason}); not retried, it may or may not have run`),
  );
  remote.on('error', (e) => logger.debug(`${e.context}: ${describeError(e.error)}`));
}

export async function runBridge(options: BridgeOptions): Promise<BridgeHandle> {
  const logger = options.logger ?? createStderrLogger(options.logLevel ?? 'info');
  const url = new URL(options.url);
  // Query strings can carry tokens; log where we connect, not how.
  const where = `${url.origin}${url.pathname}`;
  const remote = new ResilientClient({
    url,
    clientInfo: BRIDGE_CLIENT_INFO,
    headers: options.headers ?? {},
    ...(options.timeoutMs !== undefined && { requestTimeoutMs: options.timeoutMs }),
  });
  logClientEvents(remote, logger);

  try {
    // A remote that is still starting is waited for, as long as one request may take.
    await remote.connect({ windowMs: options.timeoutMs ?? DEFAULT_STARTUP_WAIT_MS });
  } catch (error) {
    await remote.close();
    throw error;
  }
  logger.info(`connected to ${where} (${remote.era ?? 'unknown'} era)`);

  let watcher: ListWatcher | undefined;
  const server = buildProxyServer({
    remote,
    logger,
    timeoutMs: options.timeoutMs,
    onToolsListed: (tools) => watcher?.remember('tools', tools),
  });
  watcher = new ListWatcher(remote, server, logger);
  await watcher.snapshot();
  remote.on('reconnect', () => void watcher?.check());
  remote.on('notification', (notification) => forwardNotification(server, notification, logger));

  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let stopping: Promise<void> | undefined;
  const stop = (code: number): Promise<void> =>
    (stopping ??= (async () => {
      await remote.close();
      // The stdio client already hung up: there is nobody left to tell about a failed close.
      await server.close().catch(() => undefined);
      logger.debug('stopped');
      resolveDone(code);
    })());

  // stdin EOF closes the stdio transport: the local client is gone, so are we.
  server.onclose = () => void stop(0);
  server.onerror = (error) => logger.debug(`local transport: ${describeError(error)}`);
  await server.connect(new StdioServerTransport(options.stdin, options.stdout));

  return { done, close: () => stop(0), remote };
}
