/**
 * Reads a child's stdout as lines (JSON log lines become objects, anything
 * else `{ msg: line }`), keeps the most recent ones, and resolves waiters
 * whose predicate a line matches.
 */
export type LogLine = Record<string, unknown> & { event?: string; level?: number; msg?: string };

interface Waiter {
  predicate: (line: LogLine) => boolean;
  resolve: (line: LogLine) => void;
}

export class LogReader {
  /** The lines read so far, oldest first (at most `keep`). */
  readonly lines: LogLine[] = [];
  private buffered = '';
  private readonly waiters = new Set<Waiter>();

  /** `keep`: how many lines to keep; `onLine`: sees every line, kept or not. */
  constructor(
    private readonly keep = Number.POSITIVE_INFINITY,
    private readonly onLine?: (line: LogLine) => void,
  ) {}

  /** Feeds a chunk of output; complete lines are parsed and matched. */
  push(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const raw = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      this.add(parse(raw));
    }
  }

  private add(line: LogLine): void {
    this.onLine?.(line);
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.splice(0, this.lines.length - this.keep);
    for (const waiter of this.waiters) {
      if (waiter.predicate(line)) {
        this.waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  }

  /**
   * The first line (already read or still to come) matching `predicate`.
   * `ended` settles when no more lines will come (the process exited): the wait then fails with `why()`.
   */
  waitFor(predicate: (line: LogLine) => boolean, timeoutMs: number, ended: Promise<unknown>, why: (reason: string) => string): Promise<LogLine> {
    const seen = this.lines.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        predicate,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      this.waiters.add(waiter);
      timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(why(`no matching log line within ${timeoutMs} ms`)));
      }, timeoutMs);
      void ended.then((code) => {
        if (!this.waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(new Error(why(`exited (${String(code)}) before the expected log line`)));
      });
    });
  }
}

function parse(raw: string): LogLine {
  try {
    const value = JSON.parse(raw) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as LogLine;
  } catch {
    // not JSON: kept as text
  }
  return { msg: raw };
}
