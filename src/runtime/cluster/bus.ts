import type { Store } from '../../store/index.js';

/** NOTIFY payloads stop at 8000 bytes; leave room for the envelope. */
const INLINE_LIMIT = 7000;
export const CLUSTER_CHANNEL = 'durable_mcp_cluster';

/** `t`: target instance or '*'; `p`: inline payload, or `m`: mailbox row holding it. */
interface Envelope {
  o: string;
  t: string;
  k: string;
  p?: unknown;
  m?: string;
}

export type ClusterHandler = (payload: unknown, origin: string) => void | Promise<void>;

/**
 * Messages between instances, through PostgreSQL only: LISTEN/NOTIFY for
 * delivery, the mailbox table for payloads too large for a NOTIFY. Every
 * instance listens on one channel and ignores what is neither addressed to it
 * nor broadcast, and what it sent itself. Delivery is at most once: a message
 * sent while an instance's listening connection is down is lost for it, which
 * is why nothing here carries state that is not also in the store.
 */
export class ClusterBus {
  private readonly handlers = new Map<string, ClusterHandler>();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly store: Store,
    readonly instanceId: string,
    private readonly onError: (error: unknown, context: string) => void,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.store.db.listen(CLUSTER_CHANNEL, { onPayload: (raw) => void this.receive(raw) });
  }

  on(kind: string, handler: ClusterHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Sends `payload` to `target` (an instance id, or '*' for all others). Resolves once PostgreSQL accepted it. */
  async send(kind: string, target: string, payload: unknown): Promise<void> {
    const envelope: Envelope = { o: this.instanceId, t: target, k: kind, p: payload };
    let text = JSON.stringify(envelope);
    if (text.length > INLINE_LIMIT) {
      const id = await this.store.mailbox.put(payload);
      text = JSON.stringify({ o: this.instanceId, t: target, k: kind, m: id.toString() } satisfies Envelope);
    }
    await this.store.db.notify(CLUSTER_CHANNEL, text);
  }

  async close(): Promise<void> {
    // Unlistening fails only when the listening connection is already gone, which ends the listen as well.
    await this.unlisten?.().catch(() => {});
  }

  private async receive(raw: string): Promise<void> {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw) as Envelope;
    } catch (error) {
      this.onError(error, 'cluster message is not JSON');
      return;
    }
    if (envelope.o === this.instanceId) return;
    if (envelope.t !== '*' && envelope.t !== this.instanceId) return;
    const handler = this.handlers.get(envelope.k);
    if (!handler) return;
    try {
      const payload = envelope.m === undefined ? envelope.p : await this.store.mailbox.get(BigInt(envelope.m));
      await handler(payload, envelope.o);
    } catch (error) {
      this.onError(error, `cluster message '${envelope.k}'`);
    }
  }
}
