/**
 * An MCP client for Streamable HTTP servers that restart. It wraps the stock
 * SDK `Client` (one per connection) and adds what the SDK leaves to its
 * caller: re-initializing when the server forgets the session, retrying what
 * did not run, retrying once what is safe to repeat, and saying plainly when
 * a request may or may not have run. The methods mirror the SDK's.
 */
import type {
  CallToolRequest,
  CallToolRequestOptions,
  CallToolResult,
  CacheableRequestOptions,
  ClientCapabilities,
  CompleteRequest,
  CompleteResult,
  EmptyResult,
  GetPromptRequest,
  GetPromptResult,
  Implementation,
  ListPromptsRequest,
  ListPromptsResult,
  ListResourcesRequest,
  ListResourcesResult,
  ListResourceTemplatesRequest,
  ListResourceTemplatesResult,
  ListToolsRequest,
  ListToolsResult,
  LoggingLevel,
  Notification,
  ProtocolEra,
  ReadResourceRequest,
  ReadResourceResult,
  RequestOptions,
  Result,
  ServerCapabilities,
  SubscribeRequest,
  UnsubscribeRequest,
} from '@modelcontextprotocol/client';
import * as z from 'zod';
import { ConnectionManager } from './connection-manager.js';
import { ClientEventEmitter, type ClientEvents, type ClientStats, type EventName } from './events.js';
import { resolveOptions, type ResilientClientOptions, type ResolvedOptions } from './options.js';
import { RequestRunner, type Operation } from './request-runner.js';
import { SessionState } from './session-state.js';
import { ToolCatalog } from './tool-catalog.js';

/** Accepts any result object: the generic `request()` forwards what the server sent, unvalidated beyond shape. */
const AnyResult = z.looseObject({});

type Params = Record<string, unknown> | undefined;

export class ResilientClient {
  readonly #options: ResolvedOptions;
  readonly #events = new ClientEventEmitter();
  readonly #stats: ClientStats = { connects: 0, reconnects: 0, reinitializations: 0, retries: 0, outcomeUnknown: 0 };
  readonly #state = new SessionState();
  readonly #catalog = new ToolCatalog();
  readonly #manager: ConnectionManager;
  readonly #runner: RequestRunner;

  constructor(options: ResilientClientOptions) {
    this.#options = resolveOptions(options);
    this.#manager = new ConnectionManager(this.#options, this.#events, this.#stats, {
      onNotification: (notification) => this.#onNotification(notification),
      reapply: (connection) => this.#state.reapply(connection.client, this.#options.requestTimeoutMs),
      // The keep-alive probe waits for the server as long as a reconnect would.
      probe: () => this.#runner.run('ping', undefined, (client, o) => client.ping(o), undefined, this.#options.reconnectBudget),
    });
    this.#runner = new RequestRunner({
      options: this.#options,
      manager: this.#manager,
      state: this.#state,
      catalog: this.#catalog,
      events: this.#events,
      stats: this.#stats,
      refreshTools: async () => {
        await this.listTools();
      },
    });
    // A new server process may have a different tool set; relist before trusting a miss.
    this.#events.on('reconnect', () => this.#catalog.markStale());
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends EventName>(event: K, listener: (payload: ClientEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** A snapshot of the counters. */
  get stats(): Readonly<ClientStats> {
    return { ...this.#stats };
  }

  get era(): ProtocolEra | undefined {
    return this.#manager.current?.era;
  }

  get sessionId(): string | undefined {
    return this.#manager.current?.sessionId;
  }

  get clientInfo(): Implementation {
    return this.#options.clientInfo;
  }

  get clientCapabilities(): ClientCapabilities {
    return this.#options.capabilities;
  }

  getServerCapabilities(): ServerCapabilities | undefined {
    return this.#manager.current?.client.getServerCapabilities();
  }

  getServerVersion(): Implementation | undefined {
    return this.#manager.current?.client.getServerVersion();
  }

  getInstructions(): string | undefined {
    return this.#manager.current?.client.getInstructions();
  }

  /**
   * Connects now (otherwise the first request does). Waits out a server that
   * is starting, within the reconnect budget or the one given here.
   */
  async connect(options: { maxRetries?: number; windowMs?: number } = {}): Promise<void> {
    const { reconnectBudget } = this.#options;
    await this.#manager.ready({
      ...reconnectBudget,
      ...(options.maxRetries !== undefined && { maxRetries: options.maxRetries }),
      ...(options.windowMs !== undefined && { windowMs: options.windowMs }),
    });
  }

  /** Ends the session (DELETE, best effort) and stops every retry and probe. */
  close(): Promise<void> {
    return this.#manager.close();
  }

  /**
   * Any request, by method name. The result is passed through as the server
   * sent it; prefer the typed methods below, which keep the SDK's own
   * handling (output-schema validation, pagination, 2026 header mirroring).
   */
  request(method: string, params?: Record<string, unknown>, options?: RequestOptions): Promise<Result> {
    const request = params === undefined ? { method } : { method, params };
    // AnyResult's inferred type is an index signature; every JSON object is a `Result`.
    return this.#run(method, params, (client, o) => client.request(request, AnyResult, o) as Promise<Result>, options);
  }

  ping(options?: RequestOptions): Promise<EmptyResult> {
    return this.#run('ping', undefined, (client, o) => client.ping(o), options);
  }

  callTool(params: CallToolRequest['params'], options?: CallToolRequestOptions): Promise<CallToolResult> {
    return this.#run('tools/call', params, (client, o) => client.callTool(params, { ...options, ...o }), options);
  }

  listTools(params?: ListToolsRequest['params'], options?: CacheableRequestOptions): Promise<ListToolsResult> {
    return this.#run('tools/list', params, (client, o) => client.listTools(params, { ...options, ...o }), options);
  }

  listResources(params?: ListResourcesRequest['params'], options?: CacheableRequestOptions): Promise<ListResourcesResult> {
    return this.#run('resources/list', params, (client, o) => client.listResources(params, { ...options, ...o }), options);
  }

  listResourceTemplates(
    params?: ListResourceTemplatesRequest['params'],
    options?: CacheableRequestOptions,
  ): Promise<ListResourceTemplatesResult> {
    return this.#run('resources/templates/list', params, (client, o) => client.listResourceTemplates(params, { ...options, ...o }), options);
  }

  readResource(params: ReadResourceRequest['params'], options?: CacheableRequestOptions): Promise<ReadResourceResult> {
    return this.#run('resources/read', params, (client, o) => client.readResource(params, { ...options, ...o }), options);
  }

  /** Remembered once the server accepts it, and re-subscribed on every new session. */
  subscribeResource(params: SubscribeRequest['params'], options?: RequestOptions): Promise<EmptyResult> {
    return this.#run('resources/subscribe', params, (client, o) => client.subscribeResource(params, o), options);
  }

  unsubscribeResource(params: UnsubscribeRequest['params'], options?: RequestOptions): Promise<EmptyResult> {
    return this.#run('resources/unsubscribe', params, (client, o) => client.unsubscribeResource(params, o), options);
  }

  listPrompts(params?: ListPromptsRequest['params'], options?: CacheableRequestOptions): Promise<ListPromptsResult> {
    return this.#run('prompts/list', params, (client, o) => client.listPrompts(params, { ...options, ...o }), options);
  }

  getPrompt(params: GetPromptRequest['params'], options?: RequestOptions): Promise<GetPromptResult> {
    return this.#run('prompts/get', params, (client, o) => client.getPrompt(params, o), options);
  }

  complete(params: CompleteRequest['params'], options?: RequestOptions): Promise<CompleteResult> {
    return this.#run('completion/complete', params, (client, o) => client.complete(params, o), options);
  }

  /** Remembered once the server accepts it, and re-applied on every new session. */
  setLoggingLevel(level: LoggingLevel, options?: RequestOptions): Promise<EmptyResult> {
    return this.#run('logging/setLevel', { level }, (client, o) => client.setLoggingLevel(level, o), options);
  }

  /**
   * Sends a client notification (e.g. `notifications/roots/list_changed`) on
   * the current connection, connecting first if needed. One that could not be
   * sent is sent again like a request that did not run: a notification states
   * a fact, so a second copy changes nothing. A session the server lost is not
   * recovered for it: the next session starts without the state it refers to.
   */
  notification(notification: Notification): Promise<void> {
    return this.#run(notification.method, notification.params, (client) => client.notification(notification), undefined);
  }

  #run<T>(method: string, params: object | undefined, op: Operation<T>, options: RequestOptions | undefined): Promise<T> {
    // The SDK's params types are plain JSON objects; the runner only reads keys from them.
    return this.#runner.run(method, params as Params, op, options);
  }

  #onNotification(notification: Notification): void {
    if (notification.method === 'notifications/tools/list_changed') this.#catalog.markStale();
    this.#events.emit('notification', notification);
  }
}
