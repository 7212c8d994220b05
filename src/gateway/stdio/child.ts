/**
 * One child process speaking MCP on stdio: started inside its own process
 * group (process-group.ts), initialized with the params it is given, and
 * stopped as the spec's stdio shutdown says (close stdin, then SIGTERM, then
 * SIGKILL), to the whole group. Its life is ChildLifecycle; its messages go
 * through ChildChannel; its stderr goes to the log, bounded (stderr-lines.ts).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { InitializeRequestParams, InitializeResult, JSONRPCResponse } from '@modelcontextprotocol/client';
import { anySignal } from '../../client/attempts.js';
import { UpstreamProtocolError, UpstreamRejectedError, UpstreamStartError } from '../upstream/errors.js';
import { ChildChannel, ChildGoneError, type ChannelEvents } from './channel.js';
import { ChildLifecycle } from './child-states.js';
import type { ResolvedStdioConfig } from './config.js';
import { launchFor, signalGroup, WRAPPER_EXIT } from './process-group.js';
import { StderrLines } from './stderr-lines.js';
import type { ChildOwner, ChildRef, ChildState, StdioEvent } from './types.js';

type Process = ChildProcessByStdio<Writable, Readable, Readable>;

export type ChildRoute = (message: Parameters<ChannelEvents['message']>[0], related: Parameters<ChannelEvents['message']>[1], child: StdioChild) => void;

export interface ChildOptions {
  config: ResolvedStdioConfig;
  /** Gateway-wide serial number. */
  serial: number;
  owner: ChildOwner;
  emit(event: StdioEvent): void;
  /** Messages from the child (notifications, its requests to the client). */
  route: ChildRoute;
}

export class StdioChild {
  readonly serial: number;
  readonly owner: ChildOwner;
  readonly channel: ChildChannel;
  /** Resolves when the process is gone (and its group signalled), whatever ended it. */
  readonly exited: Promise<void>;
  readonly #config: ResolvedStdioConfig;
  readonly #process: Process;
  readonly #lifecycle: ChildLifecycle;
  readonly #stderr: StderrLines;
  #exit: { code: number | null; signal: string | null } | undefined;
  #stopping: Promise<void> | undefined;
  /** Its stdin has no reader left: the server ended by itself, even if the wrapper has not reported it yet. */
  #serverGone = false;

  constructor(options: ChildOptions) {
    this.serial = options.serial;
    this.owner = options.owner;
    this.#config = options.config;
    const { emit } = options;
    this.#lifecycle = new ChildLifecycle(() => this.ref, emit);
    const launch = launchFor(this.#config.command, this.#config.args, this.#config.memoryLimitBytes);
    this.#process = spawn(launch.file, launch.args, {
      env: this.#config.env,
      cwd: this.#config.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // setsid: the child leads its own process group (see process-group.ts)
    });
    this.channel = new ChildChannel(this.#process.stdin, this.#config.maxMessageBytes, this.serial, {
      message: (message, related) => options.route(message, related, this),
      protocol: (detail) => emit({ type: 'child_protocol', ...this.ref, detail }),
      broken: (detail) => {
        this.#serverGone = true;
        void this.stop(`its server is gone (${detail})`);
      },
    });
    this.#stderr = new StderrLines(this.#config.stderr, {
      line: (line) => emit({ type: 'child_stderr', ...this.ref, line }),
      dropped: (count) => emit({ type: 'child_stderr_dropped', ...this.ref, count }),
    });
    this.#process.stdout.on('data', (chunk: Buffer) => {
      try {
        this.channel.feed(chunk);
      } catch (error) {
        void this.stop(`its output broke the protocol: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    this.#process.stderr.on('data', (chunk: Buffer) => this.#stderr.write(chunk));
    // A child that exits while we write gets EPIPE here; its exit is handled below.
    this.#process.stdin.on('error', () => undefined);
    this.exited = new Promise<void>((resolve) => {
      const finish = () => {
        if (this.state === 'exited') return;
        this.#stderr.end();
        this.channel.close(this.#exitReason());
        this.#lifecycle.to('exited', this.#stopping ? 'stopped' : this.#exitReason(), this.#exit ?? { code: null, signal: null });
        resolve();
      };
      this.#process.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        // Anything the child started and left behind in its group goes with it (the group id is still reserved).
        if (this.#process.pid !== undefined) signalGroup(this.#process.pid, 'SIGKILL');
        // 'close' follows once stdout is drained, so an answer written just before exiting is still read. A
        // process that left the group (setsid) could hold the pipes open for ever: do not wait for it long.
        const late = setTimeout(() => {
          this.#process.stdout.destroy();
          this.#process.stderr.destroy();
          finish();
        }, 1_000);
        this.#process.once('close', () => {
          clearTimeout(late);
          finish();
        });
      });
      this.#process.once('error', (error) => {
        // spawn itself failed (setpriv or sh missing): there is no process, and no exit event.
        if (this.#process.pid !== undefined) return;
        this.#exit = { code: null, signal: null };
        this.#stderr.write(Buffer.from(`${error.message}\n`));
        finish();
      });
    });
  }

  get ref(): ChildRef {
    return { child: this.serial, pid: this.#process.pid, ...this.owner };
  }

  get state(): ChildState {
    return this.#lifecycle.state;
  }

  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** Its server no longer reads its input: it is gone, whatever the process table says yet. */
  get serverGone(): boolean {
    return this.#serverGone;
  }

  /**
   * Whether a request may be sent to it: initialized, and neither stopping, nor exited (the exit is known before
   * its pipes have closed, which ends the life cycle), nor without a reader.
   */
  get usable(): boolean {
    return this.state === 'ready' && this.#exit === undefined && !this.#serverGone && !this.#process.stdin.destroyed;
  }

  /** Whether the gateway ended it (idle, drain, a closed session, a failed start) rather than the child itself. */
  get stoppedByGateway(): boolean {
    return this.#stopping !== undefined && !this.#serverGone;
  }

  /** Sends initialize with the client's params and `initialized`; the child is then ready. Bounded by the start-up timeout. */
  async initialize(params: InitializeRequestParams, signal: AbortSignal): Promise<InitializeResult> {
    const timeout = AbortSignal.timeout(this.#config.startupTimeoutMs);
    let response: JSONRPCResponse;
    try {
      response = await this.channel.request({ message: { jsonrpc: '2.0', id: 0, method: 'initialize', params }, signal: anySignal(timeout, signal) });
    } catch (error) {
      if (signal.aborted) {
        await this.stop('the start was abandoned');
        throw signal.reason;
      }
      const detail = timeout.aborted ? `no answer to initialize within ${this.#config.startupTimeoutMs} ms` : await this.#whyGone(error);
      await this.stop(`start failed: ${detail}`);
      throw new UpstreamStartError({ method: 'initialize' }, detail, error);
    }
    if (isErrorResponse(response)) {
      await this.stop('it refused initialize');
      throw new UpstreamRejectedError({ method: 'initialize' }, response);
    }
    const result = response.result;
    if (typeof result.protocolVersion !== 'string' || !isObject(result.capabilities) || !isObject(result.serverInfo)) {
      await this.stop('its initialize result is not MCP');
      throw new UpstreamProtocolError({ method: 'initialize' }, 'initialize result without protocolVersion, capabilities or serverInfo', false);
    }
    this.channel.notify({ jsonrpc: '2.0', method: 'notifications/initialized' });
    if (this.state === 'starting') this.#lifecycle.to('ready', 'initialized');
    // Checked above: the three fields an InitializeResult needs are there; the rest is relayed as the child sent it.
    return result as InitializeResult;
  }

  /** Ends the child and its group: stdin closed, then SIGTERM, then SIGKILL, `stopGraceMs` apart. Idempotent. */
  stop(reason: string): Promise<void> {
    if (this.#exit) return this.exited;
    this.#stopping ??= this.#stop(reason);
    return this.#stopping;
  }

  async #stop(reason: string): Promise<void> {
    if (this.state !== 'exited') this.#lifecycle.to('stopping', reason);
    this.channel.close(`the child was stopped (${reason})`);
    const grace = this.#config.stopGraceMs;
    this.#process.stdin.end();
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      if (await this.#exitedWithin(grace)) return;
      if (this.#process.pid !== undefined) signalGroup(this.#process.pid, signal);
    }
    await this.exited;
  }

  #exitedWithin(ms: number): Promise<boolean> {
    if (this.#exit) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  #exitReason(): string {
    const exit = this.#exit;
    if (!exit) return 'the child exited';
    if (exit.signal) return `the child was killed by ${exit.signal}`;
    const known = exit.code === null ? undefined : WRAPPER_EXIT[exit.code];
    return `the child exited with code ${exit.code}${known ? ` (${known})` : ''}`;
  }

  /** For a start that failed: how the child ended and what it said last on stderr. */
  async #whyGone(error: unknown): Promise<string> {
    if (!(error instanceof ChildGoneError)) return error instanceof Error ? error.message : String(error);
    // The exit event can trail the closing of stdout by a moment; the code is worth the wait.
    await this.#exitedWithin(Math.min(1_000, this.#config.stopGraceMs));
    const tail = this.#stderr.tail;
    return `${this.#exitReason()}${tail.length > 0 ? `; its stderr ended with: ${tail.join(' | ')}` : ''}`;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorResponse(response: JSONRPCResponse): response is Extract<JSONRPCResponse, { error: unknown }> {
  return 'error' in response;
}
