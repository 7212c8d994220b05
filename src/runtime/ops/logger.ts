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
  return usePretty ? pino(config, pretty({ colorize: true, sync: true, ignore: 'pid,hostname' })) : pino(config);
}
