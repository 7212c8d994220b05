import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** How long a client gets to read a response before its connection is reset. */
export const LINGER_MS = 1000;

/**
 * Closes the connection after `res` (which must say `Connection: close`)
 * without reading the rest of `req`'s body, and without losing the response
 * on the way.
 *
 * Node destroys a `Connection: close` socket as soon as the response is
 * written. With the client's unread body bytes still in the kernel's buffer
 * that close is a TCP reset, which can overtake the response: the client sees
 * ECONNRESET instead of the 413 (reproduced with a client streaming a chunked
 * body). So, the way HTTP servers do a lingering close: send the response and
 * a FIN, stop reading (the client's writes stall once the buffers are full),
 * and reset the connection `LINGER_MS` later, when the client has read the
 * answer. A request read to the end closes at once, as before.
 */
export function closeAfterResponse(req: Pick<IncomingMessage, 'complete'>, res: { readonly socket: Socket | null }): void {
  const socket = res.socket as (Socket & { destroySoon?: () => void }) | null;
  if (!socket) return;
  const destroySoon = socket.destroySoon?.bind(socket);
  // Node calls destroySoon() once a `Connection: close` response is finished (and @hono/node-server when it gives
  // up draining an unread body).
  socket.destroySoon = () => {
    if (req.complete && destroySoon) return destroySoon();
    if (socket.writable) socket.end();
    // After this turn: finishing the response resumes the request (to discard its body) in the next tick.
    setImmediate(() => socket.pause());
    const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once('close', () => clearTimeout(timer));
  };
}
