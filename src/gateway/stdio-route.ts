/**
 * What a route needs from a stdio upstream: its links, what `/upstreams`
 * shows (the program, never its environment), the values to scrub (the
 * environment given to the child may hold credentials), the admission check
 * a new session passes before it exists (no room for a child: 503 with
 * Retry-After), and the drain of its children when the gateway closes.
 */
import { basename } from 'node:path';
import type { Logger } from 'pino';
import { DurableMcpError } from '../runtime/errors.js';
import type { LinkFactory } from './link.js';
import { createStdioUpstream, stdioTelemetry, type StdioMetrics, type StdioUpstreamConfig } from './stdio/index.js';

export interface StdioRouteParts {
  link: LinkFactory;
  describe: Record<string, unknown>;
  secrets: string[];
  /** Throws a 503-mapped error when a new session could not get a child now. */
  admit(): void;
  close(): Promise<void>;
}

export function stdioRoute(options: StdioUpstreamConfig, label: string, logger: Logger, metrics: StdioMetrics): StdioRouteParts {
  const stdio = createStdioUpstream(options, stdioTelemetry(label, logger, metrics));
  const { supervisor, config } = stdio;
  metrics.watch(label, () => supervisor.live);
  const program = options.commandLine !== undefined ? options.commandLine.trim().split(/\s+/)[0] ?? '' : basename(config.command);
  return {
    link: stdio.link,
    describe: { kind: 'stdio', program, share: config.shareChildren !== undefined, maxChildren: config.maxChildren, idleTimeoutMs: config.idleTimeoutMs },
    secrets: Object.values(options.env ?? {}),
    admit() {
      // Without share every new session needs a child of its own. A check, not a reservation: two sessions racing
      // for the last place both pass, and the loser's initialize is answered with the capacity error instead.
      if (config.shareChildren === undefined && !supervisor.hasRoom) {
        throw new DurableMcpError('BACKEND_BUSY', `the gateway already runs its limit of ${config.maxChildren} stdio children; try again shortly`, {
          retryAfterSeconds: config.retryAfterSeconds,
        });
      }
    },
    close: () => stdio.drain(),
  };
}
