/**
 * What the stdio side reports about its children, for logs and metrics.
 * Per-session events (requests, retries, unknown outcomes, the session's own
 * transitions) are the HTTP side's UpstreamEvent, through each link's hooks;
 * these are about processes, which in shared mode belong to no one session.
 */

/** The life of one child process; see child-states.ts. */
export type ChildState = 'starting' | 'ready' | 'stopping' | 'exited';

/** Who a child serves: the front session (exclusive) or the principal (shared). Logged with everything it does. */
export interface ChildOwner {
  sessionId?: string;
  principal?: string;
}

export interface ChildRef extends ChildOwner {
  /** Gateway-wide number of the child (pids are reused; these are not). */
  child: number;
  pid: number | undefined;
}

export type StdioEvent =
  | (ChildRef & { type: 'child_transition'; from: ChildState; to: ChildState; reason: string; durationMs: number; exitCode?: number | null; signal?: string | null })
  | (ChildRef & { type: 'child_stderr'; line: string })
  | (ChildRef & { type: 'child_stderr_dropped'; count: number })
  /** stdout carried something that is not a JSON-RPC message (a log line, a bad message): skipped. */
  | (ChildRef & { type: 'child_protocol'; detail: string })
  /** A message from a shared child that no session could be found for. */
  | (ChildRef & { type: 'child_unroutable'; method: string })
  | { type: 'capacity_refused'; live: number; max: number; owner: ChildOwner }
  /** Once per process: children cannot be bound to the gateway's life (no setpriv); a SIGKILL of the gateway would leave them. */
  | { type: 'parent_death_unavailable' };

export type StdioEventHook = (event: StdioEvent) => void;
