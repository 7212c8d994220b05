/**
 * The local (stdio) side of the bridge, before and after the proxy server
 * exists. The remote session can only be opened once the host has said in
 * `initialize` what it can do (the bridge declares exactly that upstream), and
 * the proxy server's answer mirrors what the remote said: so the host's
 * `initialize` is read here first and held, with whatever follows it, until
 * the proxy server connects to this transport and receives them in order.
 *
 * Before `initialize`, a `ping` is answered (the spec allows it) and any other
 * request is refused with a JSON-RPC error; a `server/discover` probe from a
 * host that negotiates eras gets "method not found" and falls back to
 * `initialize`, as with any 2025-era server.
 */
import {
  isInitializeRequest,
  isJSONRPCRequest,
  ProtocolErrorCode,
  type InitializeRequest,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type MessageExtraInfo,
  type Transport,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';
import { describeError, type BridgeLogger } from './logger.js';

type Held = { message: JSONRPCMessage; extra: MessageExtraInfo | undefined };

export class LocalHandshake implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  readonly #wire: Transport;
  readonly #logger: BridgeLogger;
  readonly #held: Held[] = [];
  /** The held `initialize`, as received (with its JSON-RPC id, for answering it with an error). */
  #initialize: JSONRPCRequest | undefined;
  #attached = false;
  #settle: (request: InitializeRequest | undefined) => void = () => undefined;
  readonly #initialized = new Promise<InitializeRequest | undefined>((resolve) => (this.#settle = resolve));

  constructor(wire: Transport, logger: BridgeLogger) {
    this.#wire = wire;
    this.#logger = logger;
    wire.onmessage = (message, extra) => (this.#attached ? this.onmessage?.(message, extra) : this.#beforeServer(message, extra));
    wire.onerror = (error) => this.onerror?.(error);
    wire.onclose = () => {
      this.#settle(undefined);
      this.onclose?.();
    };
  }

  /** Starts reading; resolves with the host's `initialize`, or undefined when it hangs up first. */
  async open(): Promise<InitializeRequest | undefined> {
    await this.#wire.start();
    return this.#initialized;
  }

  /** Answers the held `initialize` with an error (the remote could not be reached). */
  async refuse(message: string): Promise<void> {
    if (!this.#initialize) return;
    await this.#error(this.#initialize, ProtocolErrorCode.InternalError, message);
  }

  /** Transport: called by the proxy server's connect(); replays what was held, `initialize` first. */
  async start(): Promise<void> {
    this.#attached = true;
    for (const { message, extra } of this.#held.splice(0)) this.onmessage?.(message, extra);
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.#wire.send(message, options);
  }

  close(): Promise<void> {
    return this.#wire.close();
  }

  setProtocolVersion(version: string): void {
    this.#wire.setProtocolVersion?.(version);
  }

  #beforeServer(message: JSONRPCMessage, extra: MessageExtraInfo | undefined): void {
    if (this.#initialize) {
      this.#held.push({ message, extra });
      return;
    }
    if (!isJSONRPCRequest(message)) {
      this.#logger.debug(`ignored a message before initialize: ${JSON.stringify(message).slice(0, 200)}`);
      return;
    }
    if (message.method === 'initialize') {
      if (!isInitializeRequest(message)) {
        void this.#error(message, ProtocolErrorCode.InvalidParams, 'Invalid initialize request: it needs protocolVersion, capabilities and clientInfo');
        return;
      }
      this.#initialize = message;
      this.#held.push({ message, extra });
      this.#settle(message);
      return;
    }
    if (message.method === 'ping') {
      this.#wire.send({ jsonrpc: '2.0', id: message.id, result: {} }).catch((error: unknown) => this.#logger.debug(`ping not answered: ${describeError(error)}`));
      return;
    }
    if (message.method === 'server/discover') {
      void this.#error(message, ProtocolErrorCode.MethodNotFound, 'Method not found: the bridge serves the 2025-era protocol; send initialize');
      return;
    }
    void this.#error(message, ProtocolErrorCode.InvalidRequest, `${message.method} before initialize: send initialize first`);
  }

  #error(request: JSONRPCRequest, code: number, message: string): Promise<void> {
    return this.#wire
      .send({ jsonrpc: '2.0', id: request.id, error: { code, message } })
      .catch((error: unknown) => this.#logger.debug(`could not answer ${request.method}: ${describeError(error)}`));
  }
}
