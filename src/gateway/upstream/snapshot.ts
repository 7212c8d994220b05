/**
 * The persisted form of an upstream session and back. Everything another
 * process needs to go on with the same upstream session is in here; nothing
 * secret is (upstream credentials live in the config, never in a snapshot).
 */
import type { InitializeResult } from '@modelcontextprotocol/client';
import { SessionState } from '../../client/session-state.js';
import type { UpstreamCatalog } from './catalog.js';
import type { Link } from './handshake.js';
import type { FrontIdentity, UpstreamSnapshot } from './types.js';

export function snapshotOf(link: Link, catalog: UpstreamCatalog, state: SessionState): UpstreamSnapshot {
  const { capabilities, serverInfo, instructions } = link.result;
  return {
    format: 1,
    era: link.era,
    ...(link.sessionId !== undefined && { sessionId: link.sessionId }),
    protocolVersion: link.protocolVersion,
    serverInfo,
    capabilities,
    ...(instructions !== undefined && { instructions }),
    toolAnnotations: { ...catalog.annotations },
    listHashes: { ...catalog.hashes },
    ...(state.logLevel !== undefined && { logLevel: state.logLevel }),
    subscriptions: [...state.subscriptions],
    generation: link.generation,
  };
}

export function linkOf(snapshot: UpstreamSnapshot): Link {
  const result: InitializeResult = {
    protocolVersion: snapshot.protocolVersion,
    capabilities: snapshot.capabilities,
    serverInfo: snapshot.serverInfo,
    ...(snapshot.instructions !== undefined && { instructions: snapshot.instructions }),
  };
  return { era: snapshot.era, sessionId: snapshot.sessionId, protocolVersion: snapshot.protocolVersion, result, generation: snapshot.generation };
}

/** The client's log level and subscriptions: what the front session stored wins over an older snapshot's. */
export function clientStateOf(client: FrontIdentity, snapshot: UpstreamSnapshot | undefined): SessionState {
  return SessionState.restored(client.logLevel ?? snapshot?.logLevel, client.subscriptions ?? snapshot?.subscriptions ?? []);
}
