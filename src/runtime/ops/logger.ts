import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Human-readable output; defaults to whether stdout is a terminal. */
  pretty?: boolean;
  deploymentId: string;
  instanceId: string;
}

/**
 * JSON lines on stdout with the deployment and instance on every line. Pretty
 * output is for a person at a terminal only: collectors always get JSON.
 */
export function createLogger(options: LoggerOptions): Logger {
  const base = { deploymentId: options.deploymentId, instanceId: options.instanceId };
  const config = {
    level: options.level ?? 'info',
    base,
    // Never let a credential reach a log line, whatever a caller passes.
    redact: { paths: ['token', 'authorization', 'headers.authorization', 'password', 'apiKey'], censor: '[redacted]' },
  };
  const usePretty = options.pretty ?? process.stdout.isTTY === true;
  // Synchronous writes: a line is on stdout before the response it describes is sent, so a SIGKILL right after
  // answering cannot lose it (pino's default buffers through an async write). One write(2) per line, the same
  // count as the async default, without the thread-pool hop.
  return pino(config, usePretty ? pretty({ colorize: true, sync: true, ignore: 'pid,hostname' }) : pino.destination({ dest: 1, sync: true }));
}
