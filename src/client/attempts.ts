/**
 * One attempt = one try of one logical request on one connection. The SDK's
 * Protocol layer hides the JSON-RPC id and the HTTP exchange from its caller,
 * so the attempt travels down as a marker header (RequestOptions.headers reach
 * the transport's send options and then fetch); the transport and fetch
 * wrappers look it up here and record what they saw. The fetch wrapper strips
 * the header, so it never reaches the wire.
 */
import { SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import type { AttemptFacts } from './classify.js';

export const ATTEMPT_HEADER = 'x-durable-mcp-attempt';

type MessageId = string | number;

/** `AbortSignal.any` arrived in Node 20.3; `engines` says >=20, so keep a fallback. */
export function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any([a, b]);
  const controller = new AbortController();
  for (const signal of [a, b]) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}

export class Attempt {
  readonly id: string;
  readonly facts: AttemptFacts = { sessionBearing: false, streamCut: false };
  readonly signal: AbortSignal;
  /** JSON-RPC ids sent under this attempt and not yet answered (a list walk sends several). */
  readonly #pending = new Set<MessageId>();
  readonly #controller = new AbortController();
  #sent = false;

  constructor(id: string, callerSignal?: AbortSignal) {
    this.id = id;
    this.signal = callerSignal ? anySignal(callerSignal, this.#controller.signal) : this.#controller.signal;
  }

  get pendingIds(): ReadonlySet<MessageId> {
    return this.#pending;
  }

  /** Whether any request left under this attempt (the server may have it). */
  get wasSent(): boolean {
    return this.#sent;
  }

  sent(messageId: MessageId, sessionBearing: boolean): void {
    this.#sent = true;
    this.#pending.add(messageId);
    this.facts.sessionBearing = sessionBearing;
  }

  answered(messageId: MessageId): void {
    this.#pending.delete(messageId);
  }

  recordResponse(status: number, retryAfterMs: number | undefined): void {
    this.facts.status = status;
    if (retryAfterMs !== undefined) this.facts.retryAfterMs = retryAfterMs;
  }

  /**
   * The response stream of `messageId` ended. If its response never came, the
   * SDK would wait for the request timeout (its Protocol layer does not listen
   * for stream end); abort now so the failure is seen and classified at once.
   */
  streamEnded(messageId: MessageId): void {
    if (!this.#pending.has(messageId)) return;
    this.facts.streamCut = true;
    this.#controller.abort(new SdkError(SdkErrorCode.ConnectionClosed, 'The response stream ended before the response arrived'));
  }
}

/** Per connection: attempts by marker, and by JSON-RPC id once sent. */
export class AttemptTracker {
  readonly #byId = new Map<string, Attempt>();
  readonly #byMessage = new Map<MessageId, Attempt>();
  #next = 0;

  begin(callerSignal?: AbortSignal): Attempt {
    const attempt = new Attempt(`a${++this.#next}`, callerSignal);
    this.#byId.set(attempt.id, attempt);
    return attempt;
  }

  end(attempt: Attempt): void {
    this.#byId.delete(attempt.id);
    for (const messageId of attempt.pendingIds) this.#byMessage.delete(messageId);
  }

  get(id: string | null | undefined): Attempt | undefined {
    return id ? this.#byId.get(id) : undefined;
  }

  sent(attempt: Attempt, messageId: MessageId, sessionBearing: boolean): void {
    attempt.sent(messageId, sessionBearing);
    this.#byMessage.set(messageId, attempt);
  }

  answered(messageId: MessageId): void {
    const attempt = this.#byMessage.get(messageId);
    if (!attempt) return;
    attempt.answered(messageId);
    this.#byMessage.delete(messageId);
  }

  streamEnded(messageId: MessageId): void {
    this.#byMessage.get(messageId)?.streamEnded(messageId);
  }
}
