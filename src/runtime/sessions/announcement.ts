import { createHash } from 'node:crypto';
import type { SessionRecord } from '../../store/index.js';
import type { Catalogue, ListKind } from './catalogue.js';

/**
 * Deploy awareness: when a returning session is first served by a build that
 * differs in what its client can see (the server's version, its tool, prompt
 * or resource lists), the client is told once, and sent list_changed for each
 * list that changed. A plain restart of the same build says nothing.
 */
export interface Announcement {
  fromDeployment: string;
  toDeployment: string;
  /** The server version the session last saw, when it was recorded. */
  fromVersion?: string;
  toVersion: string;
  changed: ListKind[];
  /** Whether the client's log level lets an info message through. */
  sendMessage: boolean;
}

/** What a session record remembers of the build it last saw (in `meta`). */
export interface SeenBuild {
  lastDeploymentId?: string;
  build?: string;
  serverVersion?: string;
  lists?: Partial<Record<ListKind, string>>;
}

/**
 * A build as clients see it: the server's version and what its lists hash to
 * (taken once per process from the warm-up session). A session recorded
 * under the same fingerprint needs no comparison at all.
 */
export function buildFingerprint(serverVersion: string, lists: Record<ListKind, string>): string {
  return createHash('sha256').update(JSON.stringify([serverVersion, lists])).digest('base64url').slice(0, 22);
}

export function seenBuild(record: SessionRecord): SeenBuild {
  const meta = record.meta as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    lastDeploymentId: text(meta.lastDeploymentId) ?? record.deploymentId,
    ...(text(meta.build) && { build: text(meta.build) }),
    ...(text(meta.serverVersion) && { serverVersion: text(meta.serverVersion) }),
    ...(typeof meta.lists === 'object' && meta.lists !== null && { lists: meta.lists as Partial<Record<ListKind, string>> }),
  };
}

/** Levels above info: a client that set one of these does not want an info notice. */
const QUIET_LEVELS = new Set(['notice', 'warning', 'error', 'critical', 'alert', 'emergency']);

/** The announcement owed to a returning session, or undefined when nothing it can see changed. */
export function announcementFor(
  record: SessionRecord,
  catalogue: Catalogue,
  current: { deploymentId: string; serverVersion: string },
): Announcement | undefined {
  const seen = seenBuild(record);
  const changed = catalogue.changedSince(seen.lists);
  const versionChanged = seen.serverVersion !== undefined && seen.serverVersion !== current.serverVersion;
  if (changed.length === 0 && !versionChanged) return undefined;
  return {
    fromDeployment: seen.lastDeploymentId ?? record.deploymentId,
    toDeployment: current.deploymentId,
    ...(seen.serverVersion !== undefined && { fromVersion: seen.serverVersion }),
    toVersion: current.serverVersion,
    changed,
    sendMessage: record.logLevel === null || !QUIET_LEVELS.has(record.logLevel),
  };
}

/** The notifications that carry an announcement: an info message (when the log level allows), then list_changed. */
export function announcementNotifications(a: Announcement): Array<{ method: string; params?: Record<string, unknown> }> {
  const notifications: Array<{ method: string; params?: Record<string, unknown> }> = [];
  if (a.sendMessage) {
    const what =
      a.fromVersion !== undefined && a.fromVersion !== a.toVersion
        ? `upgraded from version ${a.fromVersion} to ${a.toVersion}`
        : `updated (deployment ${a.fromDeployment} -> ${a.toDeployment})`;
    const lists = a.changed.length > 0 ? `; changed: ${a.changed.join(', ')}` : '';
    notifications.push({
      method: 'notifications/message',
      params: {
        level: 'info',
        logger: 'durable-mcp',
        data: {
          event: 'deployment_changed',
          message: `The server was ${what}${lists}. This session continues unchanged.`,
          fromDeployment: a.fromDeployment,
          toDeployment: a.toDeployment,
          ...(a.fromVersion !== undefined && { fromVersion: a.fromVersion }),
          toVersion: a.toVersion,
          changed: a.changed,
        },
      },
    });
  }
  for (const kind of a.changed) notifications.push({ method: `notifications/${kind}/list_changed` });
  return notifications;
}
