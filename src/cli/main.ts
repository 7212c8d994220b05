#!/usr/bin/env node
import { serveCommand, SERVE_HELP } from './serve.js';

const HELP = `durable-mcp: MCP servers whose sessions survive restarts and deploys

Usage:
  durable-mcp serve [options]     run the server (durable-mcp serve --help)
  durable-mcp gateway [options]   durable sessions in front of an existing MCP server (durable-mcp gateway --help)
  durable-mcp bridge <url> [...]  stdio-to-HTTP bridge with session recovery (durable-mcp bridge --help)
  durable-mcp memory export|import  move the memory app's projects between stores (durable-mcp memory --help)
  durable-mcp --help | --version
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand(rest);
    case 'gateway': {
      const { gatewayCommand } = await import('./gateway.js');
      return gatewayCommand(rest);
    }
    case 'bridge': {
      const { bridgeCommand } = await import('../bridge/index.js');
      // The bridge owns stdio until its client hangs up; then nothing else should keep the process alive.
      process.exit(await bridgeCommand(rest));
    }
    case 'memory': {
      const { memoryCommand } = await import('./memory.js');
      return memoryCommand(rest);
    }
    case '--version':
    case '-v':
      process.stdout.write(`${(await import('../version.js')).VERSION}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(HELP + '\n' + SERVE_HELP);
      return 0;
    default:
      process.stderr.write(`durable-mcp: unknown command '${command}'\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`durable-mcp: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
