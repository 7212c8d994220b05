/**
 * The gateway's upstreams on the operations page: whether each answers now,
 * and what this gateway process has seen of it since it started (the last
 * time it lost a session and why, calls whose outcome is unknown, the last
 * time it could not be reached).
 */
import type { UpstreamHealth } from '../options.js';
import { Stat } from './stat.js';

/** What each re-initialization reason means for the person reading the page. */
const REASONS: Readonly<Record<string, string>> = {
  'not-found': 'it answered 404 for the session: it lost its sessions (restarted)',
  'bad-session': 'it answered 400 "no valid session": it lost its sessions (restarted)',
  'stream-rejected': 'it refused the session on its standalone stream: it lost its sessions (restarted)',
  'child-exited': 'its stdio child exited (crashed or was killed): a new child was started',
  'child-stopped': 'its stdio child had been stopped (idle): a new child was started',
  restored: 'the gateway restarted: a new stdio child was started for the session',
};

/** To the second: a restart is often a matter of seconds. In UTC, as every console date. */
function at(iso: string): string {
  return `${iso.replace('T', ' ').slice(0, 19)} UTC`;
}

function Reachability(props: { reachability: UpstreamHealth['reachability'] }) {
  const r = props.reachability;
  if (!r) return <span class="badge unknown">no check</span>;
  return (
    <>
      <span class={r.reachable ? 'badge ok' : 'badge bad'}>{r.reachable ? 'reachable' : 'unreachable'}</span>{' '}
      <span class="muted">
        {r.httpStatus !== undefined ? `HTTP ${r.httpStatus} ` : ''}in {r.latencyMs} ms, checked {at(r.checkedAt)}
        {r.error && ` · ${r.error}`}
      </span>
    </>
  );
}

function Upstream(props: { upstream: UpstreamHealth }) {
  const { name, path, describe, reachability, history } = props.upstream;
  const reinitializations = Object.values(history.reinitializations).reduce<number>((n, v) => n + (v ?? 0), 0);
  const byReason = Object.entries(history.reinitializations).filter(([, n]) => (n ?? 0) > 0);
  const last = history.lastReinitialization;
  const target = typeof describe.url === 'string' ? describe.url : typeof describe.kind === 'string' ? describe.kind : '';
  return (
    <div class="card upstream" data-upstream={name}>
      <div class="row">
        <h3>{name}</h3>
        <Reachability reachability={reachability} />
      </div>
      <p class="sub">
        Clients: <code>{path}</code> · upstream: <code>{target}</code>
        {typeof describe.era === 'string' && ` · era ${describe.era}`}
      </p>
      <div class="stats">
        <Stat value={reinitializations} label="upstream re-initializations" />
        <Stat value={history.unknownOutcomes} label="unknown outcomes" />
      </div>
      <table class="kv">
        <tbody>
          <tr>
            <th>Last re-initialization</th>
            <td class="last-reinitialization">
              {last ? (
                <>
                  {at(last.at)}: <b>{last.reason}</b>, {REASONS[last.reason] ?? 'the upstream lost the session'}. A new upstream session (#
                  {last.generation} of that front session) took over in {last.durationMs} ms
                  {last.listsChanged.length > 0 && `; its client was sent list_changed for ${last.listsChanged.join(', ')}`}.
                  {byReason.length > 1 && ` By reason: ${byReason.map(([reason, n]) => `${reason} ${n}`).join(', ')}.`}
                </>
              ) : (
                <span class="muted">none since this process started</span>
              )}
            </td>
          </tr>
          <tr>
            <th>Last unknown outcome</th>
            <td class="last-unknown-outcome">
              {history.lastUnknownOutcome ? (
                <>
                  {at(history.lastUnknownOutcome.at)}: <code>{history.lastUnknownOutcome.tool ?? history.lastUnknownOutcome.method}</code> was cut off;
                  it may have run, was not repeated, and its client was told so.
                </>
              ) : (
                <span class="muted">none</span>
              )}
            </td>
          </tr>
          <tr>
            <th>Last unreachable</th>
            <td>
              {history.lastUnreachable ? (
                <>
                  {at(history.lastUnreachable.at)}, during {history.lastUnreachable.during}: {history.lastUnreachable.error}
                </>
              ) : (
                <span class="muted">never since this process started</span>
              )}
            </td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

export function Upstreams(props: { upstreams: readonly UpstreamHealth[] }) {
  return (
    <>
      <h2>Upstreams</h2>
      {props.upstreams.map((u) => (
        <Upstream upstream={u} />
      ))}
    </>
  );
}
