import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import type { ClusterBus } from './bus.js';

/**
 * The SDK's seam for `subscriptions/listen` (2026-07-28), fanned out across
 * instances through PostgreSQL: a change published on any instance reaches
 * every open listen stream on every instance. Local listeners are called
 * synchronously, as the SDK's in-memory bus does; remote ones when the NOTIFY
 * arrives. An instance never receives its own publication back.
 */
export class ClusterServerEventBus implements ServerEventBus {
  private readonly listeners = new Set<(event: ServerEvent) => void>();

  constructor(
    private readonly cluster: ClusterBus,
    private readonly onError: (error: unknown) => void,
  ) {
    cluster.on('server-event', (payload) => this.dispatch(payload as ServerEvent));
  }

  publish(event: ServerEvent): void {
    this.dispatch(event);
    this.cluster.send('server-event', '*', event).catch(this.onError);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private dispatch(event: ServerEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
