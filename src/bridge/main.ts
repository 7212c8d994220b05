/**
 * Standalone entry: `node dist/src/bridge/main.js <url> [options]`, the same
 * as `durable-mcp bridge`. Exits explicitly once done, because idle HTTP
 * keep-alive sockets to the remote could otherwise hold the process open.
 */
import { bridgeCommand } from './command.js';

bridgeCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`durable-mcp bridge: ${String(error)}\n`);
    process.exit(1);
  },
);
