/**
 * Starts the postmaster under a tiny POSIX shell that stops it when this
 * process goes away, however it goes (SIGKILL and OOM included).
 *
 * The shell's stdin is a pipe whose only writer is this process. The shell
 * runs the postmaster in the background and blocks reading that pipe; the
 * kernel closes the write end when this process dies, the read returns end of
 * file, and the shell sends the postmaster SIGINT: a fast shutdown, which
 * keeps every committed transaction. Closing the pipe on purpose is the normal
 * stop. A process-group kill is not enough (a SIGKILLed parent sends nothing)
 * and PR_SET_PDEATHSIG is Linux-only; a pipe reaching end of file works on
 * every POSIX system and costs one ~1 MiB shell.
 *
 * The child gets its own session (detached): Ctrl-C in a terminal signals the
 * foreground group, and PostgreSQL must not stop before the server has
 * drained; the server stops it last, when it closes the store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { RunAs } from './os-user.js';

// fd 3 keeps the pipe from this process; the postmaster gets neither it nor stdin, and its stdout is
// discarded so the shell's stdout carries one line: the postmaster's pid.
const SCRIPT = [
  'exec 3<&0 </dev/null',
  '"$@" 3<&- >/dev/null &',
  'pg=$!',
  'echo "$pg"',
  '{ while read -r _ <&3; do :; done; kill -INT "$pg" 2>/dev/null; } &',
  'reader=$!',
  'wait "$pg"',
  'status=$?',
  'kill "$reader" 2>/dev/null',
  'exit "$status"',
].join('\n');

export interface Supervised {
  readonly child: ChildProcess;
  /** The postmaster's pid, as the shell reported it once it started it. */
  readonly postmasterPid: Promise<number>;
  /** Resolves with the exit code (or signal) once the shell, and so the postmaster, is gone. */
  readonly exited: Promise<string>;
  /** Asks for a fast shutdown: the same path as this process dying. */
  requestStop(): void;
}

export function startSupervised(postgres: string, args: readonly string[], runAs: RunAs | undefined, onStderr: (line: string) => void): Supervised {
  const child = spawn('/bin/sh', ['-c', SCRIPT, 'durable-mcp-postgres', postgres, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    // LC_MESSAGES=C: the log lines we keep for error messages are in English whatever the user's locale.
    env: { ...process.env, LC_MESSAGES: 'C' },
    ...(runAs && { uid: runAs.uid, gid: runAs.gid }),
  });
  let buffered = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      onStderr(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  const postmasterPid = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const pid = Number.parseInt(out, 10);
      if (out.includes('\n') && pid > 0) resolve(pid);
    });
    child.stdout!.once('end', () => reject(new Error('the watchdog shell ended before starting PostgreSQL')));
  });
  // Only waitReady awaits it, and it also watches `exited`; unobserved, a rejection would crash the process.
  postmasterPid.catch(() => {});
  // EPIPE when the shell already exited: nothing is listening, so nothing is lost.
  child.stdin!.on('error', () => {});
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`spawn failed: ${error.message}`));
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
  });
  return { child, postmasterPid, exited, requestStop: () => child.stdin!.end() };
}
