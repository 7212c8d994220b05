/**
 * The SDK's Streamable HTTP transport, unchanged except for two observations
 * the Protocol layer above it does not make: which JSON-RPC ids were sent
 * under which attempt (and whether they carried a session), and whether a
 * request's response stream ended before its response. The SDK transport
 * reports the latter through `onRequestStreamEnd`, after its own
 * Last-Event-ID resumption has run out; Protocol never asks for it, so a cut
 * stream would otherwise surface only as a timeout.
 */
import {
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  StreamableHTTPClientTransport,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type StreamableHTTPClientTransportOptions,
  type TransportSendOptions,
} from '@modelcontextprotocol/client';
import { ATTEMPT_HEADER, type AttemptTracker } from './attempts.js';

type MessageHandler = (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

export class ObservedTransport extends StreamableHTTPClientTransport {
  readonly #tracker: AttemptTracker;

  constructor(url: URL, tracker: AttemptTracker, options: StreamableHTTPClientTransportOptions) {
    super(url, options);
    this.#tracker = tracker;
    // `onmessage` is a class field of the base class, so an accessor declared
    // here would be shadowed by it; redefine it on the instance instead. The
    // Protocol assigns its handler through the setter, and the base class
    // calls whatever the getter returns.
    let handler: MessageHandler | undefined;
    const observe: MessageHandler = (message, extra) => {
      if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
        if (message.id !== null && message.id !== undefined) this.#tracker.answered(message.id);
      }
      handler?.(message, extra);
    };
    Object.defineProperty(this, 'onmessage', {
      configurable: true,
      enumerable: true,
      get: () => (handler ? observe : undefined),
      set: (value: MessageHandler | undefined) => {
        handler = value;
      },
    });
  }

  override send(message: JSONRPCMessage | JSONRPCMessage[], options?: TransportSendOptions): Promise<void> {
    const attempt = this.#tracker.get(options?.headers?.[ATTEMPT_HEADER]);
    if (!attempt || Array.isArray(message) || !isJSONRPCRequest(message)) return super.send(message, options);
    const id = message.id;
    this.#tracker.sent(attempt, id, this.sessionId !== undefined);
    return super.send(message, {
      ...options,
      onRequestStreamEnd: () => {
        options?.onRequestStreamEnd?.();
        this.#tracker.streamEnded(id);
      },
    });
  }
}
