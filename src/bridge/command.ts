/**
 * `durable-mcp bridge`, as a function the CLI calls with the arguments after
 * the subcommand. Parses its own flags, prints its own help, and returns the
 * exit code: 0 done, 1 could not reach the remote, 2 bad usage.
 */
import { BRIDGE_HELP, parseBridgeArgs } from './args.js';
import { createStderrLogger, describeError } from './logger.js';
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
  const { url, headers, timeoutMs, logLevel } = parsed.args;
  const logger = createStderrLogger(logLevel);
  if (Object.keys(headers).length > 0) logger.debug(`sending header(s): ${Object.keys(headers).join(', ')}`);

  let handle;
  try {
    handle = await runBridge({ url, headers, timeoutMs, logger });
  } catch (error) {
    logger.error(`cannot reach ${url.origin}${url.pathname}: ${describeError(error)}`);
    return 1;
  }
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
