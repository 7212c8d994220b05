/** The stdio-to-Streamable-HTTP bridge: `durable-mcp bridge <url>`. */
export { bridgeCommand } from './command.js';
export { runBridge, type BridgeHandle, type BridgeOptions } from './run-bridge.js';
export { BRIDGE_HELP, parseBridgeArgs, type BridgeArgs, type LogLevel, type RemoteEra } from './args.js';
export { createStderrLogger, type BridgeLogger } from './logger.js';
