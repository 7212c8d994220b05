/**
 * Wires the bridge, in the order its life cycle allows:
 *
 *   awaiting-initialize: stdio is read; the host's `initialize` is held (local-handshake.ts)
 *   connecting:          the remote session is opened, declaring the host's capabilities
 *   serving:             the proxy server answers the held `initialize` with the remote's
 *                        capabilities; requests flow both ways, notifications too
 *   stopped:             the host hung up, close() was called, or the remote was unreachable
 *
 * `done` settles with the exit code: 0 when the host hangs up or close() is
 * called, 1 when the remote could not be reached (the host's `initialize` is
 * then answered with an error that says so).
 */
import type { Readable, Writable } from 'node:stream';
import type { Notification } from '@modelcontextprotocol/client';
import type { Server } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { ResilientClient } from '../client/index.js';
import { VERSION } from '../version.js';
import type { LogLevel, RemoteEra } from './args.js';
import { ListWatcher } from './list-watch.js';
import { LocalHandshake } from './local-handshake.js';
import { createStderrLogger, describeError, type BridgeLogger } from './logger.js';
import { buildProxyServer } from './proxy-server.js';
import { relayedCapabilities, relayServerRequests, type LocalClientLink } from './server-requests.js';

export interface BridgeOptions {
  /** The remote Streamable HTTP endpoint. */
  url: string | URL;
  /** HTTP headers for every remote request (already expanded; may hold secrets, never logged). */
  headers?: Record<string, string>;
  /** Per-request timeout toward the remote, in ms. */
  timeoutMs?: number;
  /** Default 'auto'. */
  era?: RemoteEra;
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
}

type Phase = 'awaiting-initialize' | 'connecting' | 'serving' | 'stopped';

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

/** The proxy server, handed to relayed requests once the local client has completed its handshake. */
function localClientLink(): LocalClientLink & { initialized(server: Server): void } {
  let initialized: (server: Server) => void = () => undefined;
  const server = new Promise<Server>((resolve) => (initialized = resolve));
  return {
    initialized,
    ready: (signal) =>
      new Promise<Server>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        void server.then(resolve);
      }),
  };
}

export function runBridge(options: BridgeOptions): BridgeHandle {
  const logger = options.logger ?? createStderrLogger(options.logLevel ?? 'info');
  const url = new URL(options.url);
  // Query strings can carry tokens; log where we connect, not how.
  const where = `${url.origin}${url.pathname}`;
  const local = new LocalHandshake(new StdioServerTransport(options.stdin, options.stdout), logger);
  let phase: Phase = 'awaiting-initialize';
  let remote: ResilientClient | undefined;
  let server: Server | undefined;

  const moveTo = (next: Phase): void => {
    logger.debug(`${phase} -> ${next}`);
    phase = next;
  };

  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let stopping: Promise<void> | undefined;
  const stop = (code: number): Promise<void> =>
    (stopping ??= (async () => {
      moveTo('stopped');
      await remote?.close();
      // Closing the server closes the stdio transport under it; before it exists, close that directly.
      await (server ?? local).close().catch((error: unknown) => logger.debug(`closing stdio: ${describeError(error)}`));
      resolveDone(code);
    })());

  // Until the proxy server takes the transport over (and with it onclose), the host hanging up ends the bridge here.
  local.onclose = () => void stop(0);
  local.onerror = (error) => logger.debug(`local transport: ${describeError(error)}`);

  const serve = async (): Promise<void> => {
    const hello = await local.open();
    if (!hello || stopping) return stop(0);
    moveTo('connecting');
    const capabilities = relayedCapabilities(hello.params.capabilities);
    const link = localClientLink();
    const client = new ResilientClient({
      url,
      clientInfo: BRIDGE_CLIENT_INFO,
      headers: options.headers ?? {},
      capabilities,
      versionNegotiation: options.era ?? 'auto',
      setupClient: (sdkClient) => relayServerRequests(sdkClient, capabilities, link, logger),
      ...(options.timeoutMs !== undefined && { requestTimeoutMs: options.timeoutMs }),
    });
    remote = client;
    logClientEvents(client, logger);
    try {
      // A remote that is still starting is waited for, as long as one request may take.
      await client.connect({ windowMs: options.timeoutMs ?? DEFAULT_STARTUP_WAIT_MS });
    } catch (error) {
      if (stopping) return;
      logger.error(`cannot reach ${where}: ${describeError(error)}`);
      await local.refuse(`durable-mcp bridge: cannot reach ${where}: ${describeError(error)}`);
      return stop(1);
    }
    if (stopping) return;
    logger.info(`connected to ${where} (${client.era ?? 'unknown'} era)`);

    let watcher: ListWatcher | undefined;
    const proxy = buildProxyServer({
      remote: client,
      logger,
      timeoutMs: options.timeoutMs,
      onToolsListed: (tools) => watcher?.remember('tools', tools),
      onRootsListChanged: () => forwardRootsChanged(client, logger),
    });
    watcher = new ListWatcher(client, proxy, logger);
    await watcher.snapshot();
    client.on('reconnect', () => void watcher?.check());
    client.on('notification', (notification) => forwardNotification(proxy, notification, logger));
    proxy.oninitialized = () => link.initialized(proxy);
    // stdin EOF closes the stdio transport: the local client is gone, so are we.
    proxy.onclose = () => void stop(0);
    proxy.onerror = (error) => logger.debug(`local transport: ${describeError(error)}`);
    if (stopping) return;
    await proxy.connect(local);
    server = proxy;
    moveTo('serving');
  };
  serve().catch((error: unknown) => {
    logger.error(`bridge failed: ${describeError(error)}`);
    void stop(1);
  });

  return { done, close: () => stop(0) };
}

/**
 * A 2025-era remote may keep the roots it asked for; tell it they changed. A
 * 2026-07-28 remote asks for roots within each request that needs them, so
 * there is nothing to tell it.
 */
function forwardRootsChanged(remote: ResilientClient, logger: BridgeLogger): void {
  if (remote.era === 'modern') {
    logger.debug('roots changed; a 2026-07-28 remote asks for them with each request, nothing to forward');
    return;
  }
  remote
    .notification({ method: 'notifications/roots/list_changed' })
    .catch((error: unknown) => logger.warn(`could not tell the remote that the roots changed: ${describeError(error)}`));
}
