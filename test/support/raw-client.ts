/**
 * A client on a bare TCP socket, for what fetch() cannot do: send headers a
 * line at a time, a body a byte at a time or without end, and see exactly
 * what the server answered and when it closed the connection.
 */
import { connect, type Socket } from 'node:net';

export class RawClient {
  readonly socket: Socket;
  /** Everything the server sent. */
  received = '';
  /** Bytes the socket accepted from us (an upper bound on what the server can have read). */
  written = 0;
  /** ms since connect when the first response byte arrived, and when the connection ended. */
  firstByteAt: number | undefined;
  /** `written` when the first response byte arrived. */
  writtenAtFirstByte: number | undefined;
  closedAt: number | undefined;
  /** The socket error that ended the connection, if any (ECONNRESET, EPIPE: the server cut it). */
  error: NodeJS.ErrnoException | undefined;
  readonly closed: Promise<void>;
  private readonly started = performance.now();
  private readonly connected: Promise<void>;

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = connect(Number(port), hostname);
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.setEncoding('latin1').on('data', (chunk: string) => {
      this.firstByteAt ??= this.elapsed();
      this.writtenAtFirstByte ??= this.written;
      this.received += chunk;
    });
    this.socket.on('error', (error: NodeJS.ErrnoException) => (this.error ??= error));
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.closedAt = this.elapsed();
        resolve();
      }),
    );
  }

  elapsed(): number {
    return performance.now() - this.started;
  }

  get isClosed(): boolean {
    return this.closedAt !== undefined;
  }

  /** Writes `data`; resolves once the socket can take more (backpressure), or at once when it is gone. */
  async write(data: string | Buffer): Promise<void> {
    await this.connected;
    if (this.socket.destroyed || this.socket.writableEnded) return;
    const size = typeof data === 'string' ? Buffer.byteLength(data, 'latin1') : data.length;
    const flushed = this.socket.write(data);
    this.written += size;
    if (!flushed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.once('drain', done).once('close', done);
      });
    }
  }

  /** Sends `piece()` every `everyMs` until the connection closes or `forMs` passed. */
  async trickle(piece: () => string | Buffer, everyMs: number, forMs: number): Promise<void> {
    const until = this.elapsed() + forMs;
    while (!this.isClosed && this.elapsed() < until) {
      await this.write(piece());
      if (everyMs > 0) await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /** The status line's code, or undefined before a response arrived. */
  status(): number | undefined {
    const match = /^HTTP\/1\.1 (\d{3})/.exec(this.received);
    return match ? Number(match[1]) : undefined;
  }

  /** A response header of the first response (lower-cased name). */
  header(name: string): string | undefined {
    const head = this.received.slice(0, this.received.indexOf('\r\n\r\n'));
    for (const line of head.split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      if (line.slice(0, colon).trim().toLowerCase() === name) return line.slice(colon + 1).trim();
    }
    return undefined;
  }

  /** The first response's body (assumes Content-Length framing, as the refusals use). */
  body(): string {
    return this.received.slice(this.received.indexOf('\r\n\r\n') + 4);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A request head for /mcp on `url`'s host, with the headers given (CRLF-terminated unless `open`). */
export function requestHead(url: string, method: string, headers: Record<string, string>, open = false): string {
  const { host, pathname } = new URL(url);
  const lines = [`${method} ${pathname} HTTP/1.1`, `Host: ${host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n${open ? '' : '\r\n'}`;
}
