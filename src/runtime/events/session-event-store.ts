import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';
import type { EventRepository } from '../../store/index.js';
import type { EventWriter } from './event-writer.js';

/**
 * The SDK's EventStore, scoped to one session. The SDK passes no session id
 * (and calls the standalone GET stream `_GET_stream` in every session), so a
 * store shared by sessions must scope by itself: this adapter is bound to its
 * session, and a Last-Event-ID from anywhere else finds nothing.
 *
 * Event ids are `<streamId>:<seq>`. The stream is therefore read from the id
 * without a lookup, and the priming event (an empty message that only marks a
 * position) needs no row at all.
 */
export class SessionEventStore implements EventStore {
  /** A message relayed from another instance: already stored there, so it keeps its id and is not stored again. */
  private relayed: { message: JSONRPCMessage; eventId: string } | undefined;
  /** The message the next storeEvent gets an id for but no row (see skip). */
  private unstored: JSONRPCMessage | undefined;
  /** Called for every standalone-stream event this process stores (the relay cursor follows it). */
  onStandaloneStored: ((seq: bigint) => void) | undefined;

  constructor(
    private readonly sessionId: string,
    private readonly writer: EventWriter,
    private readonly repo: EventRepository,
    private readonly onReplayed?: (count: number) => void,
  ) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    if (this.relayed?.message === message) {
      const { eventId } = this.relayed;
      this.relayed = undefined;
      return eventId;
    }
    const seq = nextSeq();
    const unstored = this.unstored === message;
    this.unstored = undefined;
    if (!unstored && !isPrimingMarker(message) && !isInternalResponse(message)) {
      this.writer.enqueue({ sessionId: this.sessionId, streamId, seq, message });
      if (streamId === STANDALONE_STREAM) this.onStandaloneStored?.(seq);
    }
    return `${streamId}:${seq}`;
  }

  /**
   * The SDK's send() stores a response before any await, so the storeEvent
   * right after this call is this message's: it goes onto a live stream that
   * ends with it, and gets an id but no row.
   */
  skip(message: JSONRPCMessage): void {
    this.unstored = message;
  }

  /** Marks the next storeEvent of exactly this message object as a relay of an event stored elsewhere. */
  expectRelay(message: JSONRPCMessage, eventId: string): void {
    this.relayed = { message, eventId };
  }

  /** Standalone-stream events after `afterSeq`, as stored by any instance. */
  standaloneAfter(afterSeq: bigint) {
    return this.repo.after(this.sessionId, STANDALONE_STREAM, afterSeq, 500);
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return parseEventId(eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const parsed = parseEventId(lastEventId);
    // getStreamIdForEventId already rejected malformed ids with 400; this is defence in depth.
    if (!parsed) return '';
    await this.writer.flush();
    let after = parsed.seq;
    let count = 0;
    for (;;) {
      const page = await this.repo.after(this.sessionId, parsed.streamId, after, 500);
      for (const event of page) {
        await send(`${parsed.streamId}:${event.seq}`, event.message as JSONRPCMessage);
        after = event.seq;
      }
      count += page.length;
      if (page.length < 500) break;
    }
    this.onReplayed?.(count);
    return parsed.streamId;
  }
}

/** Answers to the runtime's own requests (handshake replay, catalogue) are nobody's events. */
function isInternalResponse(message: JSONRPCMessage): boolean {
  const id = (message as { id?: unknown }).id;
  return typeof id === 'string' && id.startsWith('durable-mcp/') && !('method' in message);
}

function isPrimingMarker(message: JSONRPCMessage): boolean {
  return typeof message === 'object' && message !== null && !('jsonrpc' in message);
}

/** The SDK's name for the GET stream, in every session. */
export const STANDALONE_STREAM = '_GET_stream';

/**
 * Stream ids are the SDK's (random UUIDs, or `_GET_stream`); sequence numbers
 * are ours and fit PostgreSQL's bigint. An id outside that shape was never
 * issued here: it is refused (the SDK answers 400) before it reaches SQL.
 */
const EVENT_ID = /^([A-Za-z0-9_-]{1,64}):(\d{1,19})$/;
const MAX_SEQ = 2n ** 63n - 1n;

export function parseEventId(eventId: string): { streamId: string; seq: bigint } | undefined {
  const match = EVENT_ID.exec(eventId);
  if (!match) return undefined;
  const seq = BigInt(match[2]!);
  return seq <= MAX_SEQ ? { streamId: match[1]!, seq } : undefined;
}

/**
 * Sequence numbers: microseconds since the epoch, bumped to stay strictly
 * increasing in this process. Anchoring to the clock keeps them increasing
 * across restarts and across instances writing to one session's standalone
 * stream, without a database round trip per event.
 */
let lastSeq = 0n;
export function nextSeq(): bigint {
  const now = BigInt(Date.now()) * 1000n;
  lastSeq = now > lastSeq ? now : lastSeq + 1n;
  return lastSeq;
}
