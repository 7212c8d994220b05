/**
 * `durable-mcp bridge`, as a function the CLI calls with the arguments after
 * the subcommand. Parses its own flags, prints its own help, and returns the
 * exit code: 0 done, 1 could not reach the remote, 2 bad usage.
 */
import { BRIDGE_HELP, parseBridgeArgs } from './args.js';
import { createStderrLogger } from './logger.js';
import { runBridge } from './run-bridge.js';

export async function bridgeCommand(argv: string[]): Promise<number> {
  const parsed = parseBridgeArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`durable-mcp bridge: ${parsed.error}\n\n${BRIDGE_HELP}`);
    return 2;
  }
  if ('help' in parsed) {
    process.stdout.write(BRIDGE_HELP);
    return 0;
  }
  const { url, headers, timeoutMs, era, logLevel } = parsed.args;
  const logger = createStderrLogger(logLevel);
  if (Object.keys(headers).length > 0) logger.debug(`sending header(s): ${Object.keys(headers).join(', ')}`);

  // The remote is contacted when the host sends `initialize` (the bridge declares the host's capabilities upstream).
  const handle = runBridge({ url, headers, timeoutMs, era, logger });
  const onSignal = () => void handle.close();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await handle.done;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
