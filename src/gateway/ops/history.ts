/**
 * What one gateway process has seen of one upstream since it started: when
 * the upstream last lost a session and why, the calls whose outcome is
 * unknown, the last time it could not be reached. Metrics count these too,
 * but a person asking "what happened to my server?" needs the last one with
 * its time and reason, which a counter cannot hold. Fed by the route's
 * telemetry (the one place upstream events become log lines and counts), per
 * process like the metrics beside it.
 */
import type { ListKind, RecreatedInfo, RecreateReason, UpstreamEvent } from '../upstream/types.js';

export interface UpstreamHistory {
  /** Upstream sessions re-created by this process, by reason. */
  reinitializations: Partial<Record<RecreateReason, number>>;
  lastReinitialization?: { at: string; reason: RecreateReason; generation: number; durationMs: number; listsChanged: ListKind[] };
  /** Calls this process answered as "outcome unknown" (may have run, not repeated). */
  unknownOutcomes: number;
  lastUnknownOutcome?: { at: string; method: string; tool?: string };
  /** The last attempt that found the upstream unreachable (its error scrubbed of credentials). */
  lastUnreachable?: { at: string; during: 'handshake' | 'stream'; error: string };
}

export class UpstreamHistoryRecorder {
  readonly #reinitializations: Partial<Record<RecreateReason, number>> = {};
  #lastReinitialization: UpstreamHistory['lastReinitialization'];
  #unknownOutcomes = 0;
  #lastUnknownOutcome: UpstreamHistory['lastUnknownOutcome'];
  #lastUnreachable: UpstreamHistory['lastUnreachable'];

  constructor(private readonly now: () => Date = () => new Date()) {}

  recreated(info: RecreatedInfo): void {
    this.#reinitializations[info.reason] = (this.#reinitializations[info.reason] ?? 0) + 1;
    const durationMs = Math.round(info.durationMs * 100) / 100;
    this.#lastReinitialization = { at: this.now().toISOString(), reason: info.reason, generation: info.generation, durationMs, listsChanged: [...info.listsChanged] };
  }

  outcomeUnknown(event: Extract<UpstreamEvent, { type: 'outcome_unknown' }>): void {
    this.#unknownOutcomes += 1;
    this.#lastUnknownOutcome = { at: this.now().toISOString(), method: event.method, ...(event.tool !== undefined && { tool: event.tool }) };
  }

  /** `error` already scrubbed by the caller. */
  unreachable(during: 'handshake' | 'stream', error: string): void {
    this.#lastUnreachable = { at: this.now().toISOString(), during, error };
  }

  /** A copy: callers may keep or serialize it. */
  snapshot(): UpstreamHistory {
    return {
      reinitializations: { ...this.#reinitializations },
      ...(this.#lastReinitialization && { lastReinitialization: { ...this.#lastReinitialization, listsChanged: [...this.#lastReinitialization.listsChanged] } }),
      unknownOutcomes: this.#unknownOutcomes,
      ...(this.#lastUnknownOutcome && { lastUnknownOutcome: { ...this.#lastUnknownOutcome } }),
      ...(this.#lastUnreachable && { lastUnreachable: { ...this.#lastUnreachable } }),
    };
  }
}
