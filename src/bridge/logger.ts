/**
 * stderr logging for the bridge. stdout belongs to the protocol: a single
 * stray byte there corrupts the stdio stream, so nothing here writes to it.
 * Never throws (a closed stderr must not take the bridge down).
 */
import type { LogLevel } from './args.js';

export interface BridgeLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const RANK = { debug: 0, info: 1, warn: 2, error: 3 } as const;
const THRESHOLD: Record<LogLevel, number> = { verbose: RANK.debug, info: RANK.info, quiet: RANK.error };

export function createStderrLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): BridgeLogger {
  const threshold = THRESHOLD[level];
  const at = (name: keyof typeof RANK) =>
    RANK[name] < threshold
      ? () => undefined
      : (message: string) => {
          try {
            write(`durable-mcp bridge ${name}: ${message}\n`);
          } catch {
            // Nowhere left to report it.
          }
        };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A one-line description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${error.message}`;
  }
  return String(error);
}
