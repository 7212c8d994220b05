import type { SessionRepository, SessionStatus } from '../../store/index.js';

interface Batch {
  ids: Set<string>;
  /** Sends the SELECT; until then ids may still join. */
  start: () => void;
  result: Promise<Map<string, SessionStatus>>;
}

/**
 * The per-request "was this session terminated elsewhere?" check, group
 * committed: at most one SELECT is in flight, and every id asked meanwhile
 * shares the next one. Under load that is one statement for many requests
 * instead of one each.
 *
 * What it keeps: a request never joins a SELECT sent before it arrived, so a
 * termination committed anywhere before a request arrives is always seen
 * (a DELETE on one instance is honoured by every other at once).
 */
export class StatusChecks {
  private next: Batch | undefined;
  private sending: Promise<void> | undefined;

  constructor(private readonly repo: Pick<SessionRepository, 'statuses'>) {}

  async check(id: string): Promise<SessionStatus | undefined> {
    const batch = (this.next ??= this.open());
    batch.ids.add(id);
    this.sending ??= this.send();
    return (await batch.result).get(id);
  }

  private open(): Batch {
    const ids = new Set<string>();
    let start!: () => void;
    const started = new Promise<void>((resolve) => (start = resolve));
    return { ids, start, result: started.then(() => this.repo.statuses([...ids])) };
  }

  private async send(): Promise<void> {
    try {
      while (this.next) {
        const batch = this.next;
        this.next = undefined;
        batch.start();
        // A failure reaches the batch's own callers; the next batch is tried afresh.
        await batch.result.catch(() => {});
      }
    } finally {
      this.sending = undefined;
    }
  }
}
