/**
 * Whether the client that sent a request has gone away (its connection
 * closed before the answer was complete). A Web Request says so through its
 * signal, but on Node 20 creating that signal costs more than a small tool
 * call; an adapter that can tell cheaply (the node adapter: the response's
 * socket was destroyed) registers a probe per request instead.
 */
const probes = new WeakMap<Request, () => boolean>();

export function registerConnectionProbe(request: Request, gone: () => boolean): void {
  probes.set(request, gone);
}

export function clientGone(request: Request): boolean {
  const probe = probes.get(request);
  return probe ? probe() : request.signal.aborted;
}
