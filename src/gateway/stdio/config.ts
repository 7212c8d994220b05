/**
 * How the gateway runs one stdio MCP server: the command, and every bound on
 * the children it starts (how many, how long idle, how long to start, how
 * much memory, how long to stop), each with a stated default. Validated
 * eagerly, so a bad value fails when the gateway starts.
 */
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from '@modelcontextprotocol/client';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { DEFAULT_BACKOFF, type BackoffOptions, type BudgetOptions } from '../../client/backoff.js';

export interface StdioUpstreamConfig {
  /** The program to run (looked up on PATH). For a shell command line use `commandLine` instead. */
  command?: string;
  args?: readonly string[];
  /** A command line run by `/bin/sh -c`, as typed in a terminal (quotes, `$VAR`); exclusive with `command`. */
  commandLine?: string;
  /**
   * Added to the child's environment, which otherwise holds only HOME, LOGNAME, PATH, SHELL, TERM and USER
   * (the SDK's safe defaults): the gateway's own secrets (database URL, API keys) never reach a child.
   */
  env?: Record<string, string>;
  /** Working directory of the child; default the gateway's. */
  cwd?: string;
  /** Children at most, over all sessions of this upstream; beyond it the front answers 503. Default 32. */
  maxChildren?: number;
  /** A child with nothing in flight for this long is stopped; its session gets a new one on its next request. Default 10 min; 0 = never. */
  idleTimeoutMs?: number;
  /** From spawn to the answer to initialize. Default 30 s. */
  startupTimeoutMs?: number;
  /** RLIMIT_DATA of every process of the child (heap and private mappings), in bytes. Default 1 GiB; 0 = unlimited. */
  memoryLimitBytes?: number;
  /** Each phase of a stop (stdin closed, then SIGTERM, then SIGKILL) waits this long for the exit. Default 2 s. */
  stopGraceMs?: number;
  /** Bounds one request from call to answer, child restarts and retries included. Default 60 s. */
  requestTimeoutMs?: number;
  /** Re-sends of one request (new child after an exit, the one retry of a safe request). Default 4 within 30 s. */
  requestRetries?: { maxRetries?: number; windowMs?: number };
  /** Start attempts after a failed start (a crash at boot may be transient). Default 2 within 20 s. */
  startRetries?: { maxRetries?: number; windowMs?: number };
  backoff?: Partial<BackoffOptions>;
  /** Seconds a client is told to wait (Retry-After) when `maxChildren` are running. Default 5. */
  retryAfterSeconds?: number;
  /** Longest message a child may write on stdout, in bytes; a longer one stops the child. Default the SDK's 10 MB. */
  maxMessageBytes?: number;
  /** stderr lines logged per child within `stderrWindowMs` (the rest are counted, not logged); default 50 per 10 s. */
  stderrLines?: number;
  stderrWindowMs?: number;
  /** Longest stderr line logged, in bytes (cut beyond). Default 2 048. */
  stderrLineBytes?: number;
  /** `--share`: children serve all sessions of one principal (stateless servers only). Default off. */
  share?: { children?: number };
}

export interface ResolvedStdioConfig {
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  cwd: string | undefined;
  maxChildren: number;
  idleTimeoutMs: number;
  startupTimeoutMs: number;
  memoryLimitBytes: number;
  stopGraceMs: number;
  requestTimeoutMs: number;
  requestBudget: BudgetOptions;
  startBudget: BudgetOptions;
  retryAfterSeconds: number;
  maxMessageBytes: number;
  stderr: { lines: number; windowMs: number; lineBytes: number };
  /** Children per principal when shared, undefined when every session has its own. */
  shareChildren: number | undefined;
}

export const STDIO_DEFAULTS = {
  maxChildren: 32,
  idleTimeoutMs: 600_000,
  startupTimeoutMs: 30_000,
  memoryLimitBytes: 1024 ** 3,
  stopGraceMs: 2_000,
  requestTimeoutMs: 60_000,
  requestRetries: { maxRetries: 4, windowMs: 30_000 },
  startRetries: { maxRetries: 2, windowMs: 20_000 },
  retryAfterSeconds: 5,
  maxMessageBytes: STDIO_DEFAULT_MAX_BUFFER_SIZE,
  stderr: { lines: 50, windowMs: 10_000, lineBytes: 2_048 },
  shareChildren: 2,
} as const;

function count(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`stdio upstream ${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

function budget(name: string, given: { maxRetries?: number; windowMs?: number } | undefined, fallback: { maxRetries: number; windowMs: number }, backoff: BackoffOptions): BudgetOptions {
  return {
    maxRetries: count(`${name}.maxRetries`, given?.maxRetries ?? fallback.maxRetries, 0),
    windowMs: count(`${name}.windowMs`, given?.windowMs ?? fallback.windowMs, 0),
    backoff,
  };
}

function program(config: StdioUpstreamConfig): { command: string; args: readonly string[] } {
  if (config.commandLine !== undefined) {
    if (config.command !== undefined) throw new TypeError('stdio upstream: give either command (+ args) or commandLine, not both');
    if (config.commandLine.trim() === '') throw new TypeError('stdio upstream: commandLine is empty');
    return { command: '/bin/sh', args: ['-c', config.commandLine] };
  }
  if (!config.command) throw new TypeError('stdio upstream: command is required');
  return { command: config.command, args: [...(config.args ?? [])] };
}

export function resolveStdioConfig(config: StdioUpstreamConfig): ResolvedStdioConfig {
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...config.backoff };
  for (const [key, value] of Object.entries(backoff)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`stdio upstream backoff.${key} must be >= 0, got ${value}`);
  }
  for (const [key, value] of Object.entries(config.env ?? {})) {
    if (typeof value !== 'string') throw new TypeError(`stdio upstream env.${key} must be a string`);
  }
  const d = STDIO_DEFAULTS;
  return {
    ...program(config),
    env: { ...getDefaultEnvironment(), ...config.env },
    cwd: config.cwd,
    maxChildren: count('maxChildren', config.maxChildren ?? d.maxChildren, 1),
    idleTimeoutMs: count('idleTimeoutMs', config.idleTimeoutMs ?? d.idleTimeoutMs, 0),
    startupTimeoutMs: count('startupTimeoutMs', config.startupTimeoutMs ?? d.startupTimeoutMs, 1),
    memoryLimitBytes: count('memoryLimitBytes', config.memoryLimitBytes ?? d.memoryLimitBytes, 0),
    stopGraceMs: count('stopGraceMs', config.stopGraceMs ?? d.stopGraceMs, 0),
    requestTimeoutMs: count('requestTimeoutMs', config.requestTimeoutMs ?? d.requestTimeoutMs, 1),
    requestBudget: budget('requestRetries', config.requestRetries, d.requestRetries, backoff),
    startBudget: budget('startRetries', config.startRetries, d.startRetries, backoff),
    retryAfterSeconds: count('retryAfterSeconds', config.retryAfterSeconds ?? d.retryAfterSeconds, 0),
    maxMessageBytes: count('maxMessageBytes', config.maxMessageBytes ?? d.maxMessageBytes, 1024),
    stderr: {
      lines: count('stderrLines', config.stderrLines ?? d.stderr.lines, 0),
      windowMs: count('stderrWindowMs', config.stderrWindowMs ?? d.stderr.windowMs, 1),
      lineBytes: count('stderrLineBytes', config.stderrLineBytes ?? d.stderr.lineBytes, 16),
    },
    shareChildren: config.share ? count('share.children', config.share.children ?? d.shareChildren, 1) : undefined,
  };
}
