/**
 * How a child is launched so that nothing it starts can outlive the gateway.
 *
 * Node has no prctl(), and a stdio server is rarely one process: `npx x`
 * runs npm, which runs `sh -c x`, which runs node; `uvx` does the same with
 * Python. So every child gets its own process group (spawn `detached`, i.e.
 * setsid), and everything it starts stays in that group; a stop signals the
 * whole group. For a SIGKILL of the gateway, where no code of ours runs, the
 * group's leader is a tiny `sh` that util-linux's `setpriv --pdeathsig`
 * arms with SIGUSR1 on the death of its parent: its trap kills the group.
 *
 *   gateway ──spawn(detached)──> setpriv --pdeathsig USR1 -- sh -c WRAPPER
 *                                 └─ sh (group leader)    trap USR1: kill -KILL 0
 *                                     └─ the server (+ anything it starts)
 *
 * The wrapper also sets the memory bound (`ulimit -d`, RLIMIT_DATA, inherited
 * by every process of the group) and hands its stdin to the server (a
 * background job would otherwise get /dev/null).
 */
import { spawnSync } from 'node:child_process';

/**
 * $1 = the gateway's pid, $2 = data limit in KiB or `unlimited`, then the command.
 * - Traps first, so a parent death at any later point kills the group.
 * - `$PPID` is read when sh starts, after setpriv armed the signal: if the gateway was already gone then, our
 *   parent is not it and we exit before starting anything (the only window the signal could miss).
 * - TERM/INT/HUP are caught (not ignored: an ignored signal would be inherited) so a group stop reaches the
 *   server and sh stays to report its exit status. A caught trap is reset to default in the forked server.
 * - sh then closes its own stdin: the server is its only reader, so a write after the server died fails with
 *   EPIPE, which proves the request never reached it (rather than leaving its outcome unknown).
 * - `wait` returns early when a trap runs; loop until the server has really been reaped.
 */
const WRAPPER = [
  'gw=$1; limit=$2; shift 2',
  "trap 'kill -KILL 0' USR1",
  "trap ':' TERM INT HUP",
  '[ "$PPID" = "$gw" ] || exit 70',
  '[ "$limit" = unlimited ] || ulimit -d "$limit" || exit 71',
  'exec 3<&0',
  '"$@" <&3 3<&- &',
  'server=$!',
  'exec 3<&- 0<&-',
  'while :; do wait "$server"; status=$?; kill -0 "$server" 2>/dev/null || exit "$status"; done',
].join('\n');

/** Exit codes of the wrapper itself, so a start failure can say which step failed. */
export const WRAPPER_EXIT: Readonly<Record<number, string>> = {
  70: 'the gateway exited while the child was being started',
  71: 'the memory limit could not be set (ulimit -d)',
  127: 'command not found',
  126: 'command not executable',
};

let parentDeathSupport: boolean | undefined;

/** Whether `setpriv --pdeathsig` is available (util-linux, Linux only). Asked once per process. */
export function canArmParentDeath(): boolean {
  parentDeathSupport ??= process.platform === 'linux' && spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
  return parentDeathSupport;
}

export interface Launch {
  file: string;
  args: string[];
}

/** The argv that runs `command args` inside the wrapper, bound to this process's life. */
export function launchFor(command: string, args: readonly string[], memoryLimitBytes: number): Launch {
  const limit = memoryLimitBytes > 0 ? String(Math.max(1, Math.floor(memoryLimitBytes / 1024))) : 'unlimited';
  const wrapped = ['-c', WRAPPER, 'durable-mcp-stdio-child', String(process.pid), limit, command, ...args];
  if (canArmParentDeath()) return { file: 'setpriv', args: ['--pdeathsig', 'USR1', '--', 'sh', ...wrapped] };
  // Without setpriv the group still dies on every stop of ours, but not on a SIGKILL of the gateway (reported at start).
  return { file: 'sh', args: wrapped };
}

/**
 * Signals every process of the child's group. ESRCH (nobody left) is the
 * normal end of a stop, not an error. The group id stays reserved while any
 * member lives, so signalling it after the leader was reaped cannot hit an
 * unrelated process unless the whole group is gone and the id was reused by
 * a new group leader in between: the caller signals at once on exit.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}
