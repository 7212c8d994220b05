/** Reads a live SSE response in the background, collecting JSON-RPC messages as they arrive. */
export class SseReader {
  readonly messages: Array<Record<string, unknown>> = [];
  readonly ids: string[] = [];
  private waiters: Array<{ predicate: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
  readonly done: Promise<void>;

  constructor(response: Response) {
    this.done = this.pump(response);
  }

  /** Resolves with the first message (already seen or future) matching `predicate`. */
  next(predicate: (m: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const seen = this.messages.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching SSE message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`)), timeoutMs);
      this.waiters.push({
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  private async pump(response: Response): Promise<void> {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let data = '';
          let id: string | undefined;
          for (const line of block.split('\n')) {
            if (line.startsWith('data:')) data += line.slice(5).trimStart();
            else if (line.startsWith('id:')) id = line.slice(3).trim();
          }
          if (data.trim() === '') continue;
          const message = JSON.parse(data) as Record<string, unknown>;
          this.messages.push(message);
          if (id) this.ids.push(id);
          this.waiters = this.waiters.filter((w) => {
            if (!w.predicate(message)) return true;
            w.resolve(message);
            return false;
          });
        }
      }
    } catch {
      // aborted or cut: the collected messages stay readable
    }
  }
}
