/**
 * A child's stderr, as log lines that cannot flood the log or the memory: a
 * line is cut at `lineBytes` (the rest of it skipped up to its newline), at
 * most `lines` lines are passed on per `windowMs` (the others counted, and
 * the count reported with the first line after the window, or at the end of
 * the stream), and the last few lines are kept to explain a child that
 * fails to start.
 */
import { StringDecoder } from 'node:string_decoder';

export interface StderrLimits {
  lines: number;
  windowMs: number;
  lineBytes: number;
}

export interface StderrSink {
  line(text: string): void;
  /** `count` lines were not passed on within the last window. */
  dropped(count: number): void;
}

const TAIL = 5;

export class StderrLines {
  readonly #limits: StderrLimits;
  readonly #sink: StderrSink;
  readonly #decoder = new StringDecoder('utf8');
  readonly #tail: string[] = [];
  #partial = '';
  /** True while the rest of an over-long line is being skipped. */
  #skipping = false;
  #windowStart = 0;
  #inWindow = 0;
  #dropped = 0;

  constructor(limits: StderrLimits, sink: StderrSink) {
    this.#limits = limits;
    this.#sink = sink;
  }

  /** The last lines seen (logged or not), oldest first. */
  get tail(): readonly string[] {
    return this.#tail;
  }

  write(chunk: Buffer): void {
    const text = this.#decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      this.#take(text.slice(start, nl), true);
      start = nl + 1;
    }
    if (start < text.length) this.#take(text.slice(start), false);
  }

  /** The stream ended: a last line without a newline still counts, and so do lines dropped in the open window. */
  end(): void {
    const rest = this.#decoder.end();
    if (rest) this.#take(rest, false);
    if (this.#partial && !this.#skipping) this.#emit(this.#partial);
    this.#partial = '';
    this.#flushDropped();
  }

  #take(piece: string, complete: boolean): void {
    if (this.#skipping) {
      if (complete) this.#skipping = false;
      return;
    }
    const line = this.#partial + piece;
    if (Buffer.byteLength(line) > this.#limits.lineBytes) {
      this.#partial = '';
      this.#skipping = !complete;
      this.#emit(`${Buffer.from(line).subarray(0, this.#limits.lineBytes).toString('utf8')} [cut]`);
      return;
    }
    if (!complete) {
      this.#partial = line;
      return;
    }
    this.#partial = '';
    this.#emit(line.replace(/\r$/, ''));
  }

  #emit(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > TAIL) this.#tail.shift();
    const now = Date.now();
    if (now - this.#windowStart >= this.#limits.windowMs) {
      this.#flushDropped();
      this.#windowStart = now;
      this.#inWindow = 0;
    }
    if (this.#inWindow >= this.#limits.lines) {
      this.#dropped++;
      return;
    }
    this.#inWindow++;
    this.#sink.line(line);
  }

  #flushDropped(): void {
    if (this.#dropped === 0) return;
    const count = this.#dropped;
    this.#dropped = 0;
    this.#sink.dropped(count);
  }
}
