import { parseArgs } from 'node:util';
import { parseHeader } from '../gateway/config/expand.js';
import { loadGatewayConfig } from '../gateway/config/file.js';
import { createDurableGateway, defaultGatewayDeploymentId, type GatewayUpstreamOptions, type StdioUpstreamOptions } from '../gateway/gateway.js';
import { isLoopback } from '../node/listen.js';
import { CONSOLE_FLAGS, consoleChoice, consoleHelp, gatewayConsoleMount } from './console.js';
import { parseDuration, parsePositiveInt, parseSize } from '../units.js';
import { cliEnv, parseRuntimeFlags, runUntilSignal, RUNTIME_FLAGS, RUNTIME_HELP } from './runtime-flags.js';

export const GATEWAY_HELP = `durable-mcp gateway: durable sessions in front of an existing MCP server, unchanged

Clients talk to the gateway; the gateway talks to your server (any language, any framework speaking
Streamable HTTP). Neither a restart of your server nor one of the gateway is visible to a client.

Usage: durable-mcp gateway --upstream <url> [options]
       durable-mcp gateway --upstream-command "<command line>" [options]
       durable-mcp gateway --config <file> [options]

Upstream (each also read from the environment variable shown):
  --upstream <url>           the server to put durable sessions in front of, served at /mcp
                             (DURABLE_MCP_UPSTREAM)
  --upstream-header <h>      "Name: value" sent on every request to the upstream; repeatable; \${VAR} is
                             expanded from the environment. Never logged, never sent to clients.
  --forward-authorization    send the client's own Authorization header to the upstream (instead of a
                             configured one). Off by default: the client's header is never forwarded.
  --upstream-era <era>       auto (default: the client's own era first), legacy (initialize) or modern
                             (2026-07-28)
  --request-timeout <dur>    bounds one relayed request, recovery and retries included (default 60s)
  --handshake-timeout <dur>  bounds one upstream initialize (default 10s)
  --upstream-command <line>  a stdio MCP server to serve at /mcp instead, run by /bin/sh -c as typed in a
                             terminal (DURABLE_MCP_UPSTREAM_COMMAND), e.g.
                             "npx -y @modelcontextprotocol/server-memory". One child process per client
                             session, started on first use; a child that exits is replaced unseen. The
                             child gets only HOME, LOGNAME, PATH, SHELL, TERM and USER from the gateway's
                             environment (set more in the command line, or with env in --config).
  --share                    stdio: children serve all sessions of one principal (stateless servers only)
  --max-children <n>         stdio: children at once; beyond it a new session gets 503 (default 32)
  --child-idle-timeout <dur> stdio: stop a child idle this long; its session gets a new one (default 10m)
  --child-startup-timeout <dur>  stdio: spawn to initialize answered (default 30s)
  --child-memory-limit <size>    stdio: RLIMIT_DATA of each process of a child, e.g. 512M (default 1G; 0 = none)
  --config <file>            JSON or YAML naming several upstreams, each served at /mcp/<name> with its own
                             headers, era, timeouts and retry budgets (DURABLE_MCP_GATEWAY_CONFIG); see the
                             README's configuration reference. May be combined with --upstream.

Console (operations pages only: upstreams, their health, sessions):
${consoleHelp('pages')}
Runtime:
${RUNTIME_HELP}
Routes besides /mcp: GET /upstreams and /upstreams/<name>/health (behind the API keys) show whether each
upstream answers and what this instance has seen of it; /readyz reflects the gateway and its store, not the
upstreams; /console is the web console.
`;

const OPTIONS = {
  ...RUNTIME_FLAGS,
  ...CONSOLE_FLAGS,
  upstream: { type: 'string' },
  'upstream-header': { type: 'string', multiple: true },
  'forward-authorization': { type: 'boolean' },
  'upstream-era': { type: 'string' },
  'request-timeout': { type: 'string' },
  'handshake-timeout': { type: 'string' },
  'upstream-command': { type: 'string' },
  share: { type: 'boolean' },
  'max-children': { type: 'string' },
  'child-idle-timeout': { type: 'string' },
  'child-startup-timeout': { type: 'string' },
  'child-memory-limit': { type: 'string' },
  config: { type: 'string' },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { type: 'boolean' } ? boolean : (typeof OPTIONS)[K] extends { multiple: true } ? string[] : string };

function stdioOptions(commandLine: string, values: Values): StdioUpstreamOptions {
  return {
    commandLine,
    ...(values.share && { share: {} }),
    ...(values['max-children'] && { maxChildren: parsePositiveInt(values['max-children'], '--max-children') }),
    ...(values['child-idle-timeout'] && { idleTimeoutMs: parseDuration(values['child-idle-timeout'], '--child-idle-timeout') }),
    ...(values['child-startup-timeout'] && { startupTimeoutMs: parseDuration(values['child-startup-timeout'], '--child-startup-timeout') }),
    ...(values['child-memory-limit'] !== undefined && { memoryLimitBytes: parseSize(values['child-memory-limit'], '--child-memory-limit') }),
    ...(values['request-timeout'] && { requestTimeoutMs: parseDuration(values['request-timeout'], '--request-timeout') }),
  };
}

export async function gatewayCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(GATEWAY_HELP);
    return 0;
  }
  const env = cliEnv();
  const upstreams: GatewayUpstreamOptions[] = [];
  const url = values.upstream ?? env.DURABLE_MCP_UPSTREAM;
  const commandLine = values['upstream-command'] ?? env.DURABLE_MCP_UPSTREAM_COMMAND;
  if (url !== undefined && commandLine !== undefined) throw new Error('--upstream and --upstream-command both name the server at /mcp: give one (several go in --config)');
  const stdioFlags = ['share', 'max-children', 'child-idle-timeout', 'child-startup-timeout', 'child-memory-limit'] as const;
  if (commandLine !== undefined) upstreams.push(stdioOptions(commandLine, values));
  else if (stdioFlags.some((flag) => values[flag] !== undefined)) throw new Error(`--${stdioFlags.join(', --')} apply to --upstream-command; in --config, set them per upstream`);
  if (url !== undefined) {
    const headers = Object.fromEntries((values['upstream-header'] ?? []).map((spec) => parseHeader(spec, env, '--upstream-header')));
    const era = values['upstream-era'];
    if (era !== undefined && era !== 'auto' && era !== 'legacy' && era !== 'modern') throw new Error(`--upstream-era: expected auto, legacy or modern, got '${era}'`);
    upstreams.push({
      url,
      headers,
      ...(era && { era }),
      ...(values['forward-authorization'] && { forwardAuthorization: true }),
      ...(values['request-timeout'] && { requestTimeoutMs: parseDuration(values['request-timeout'], '--request-timeout') }),
      ...(values['handshake-timeout'] && { handshakeTimeoutMs: parseDuration(values['handshake-timeout'], '--handshake-timeout') }),
    });
  } else if (values['upstream-header'] || values['forward-authorization'] || values['upstream-era']) {
    throw new Error('--upstream-header, --forward-authorization and --upstream-era apply to --upstream; in --config, set them per upstream');
  }
  const config = values.config ?? env.DURABLE_MCP_GATEWAY_CONFIG;
  if (config !== undefined) upstreams.push(...loadGatewayConfig(config, env));
  if (upstreams.length === 0) throw new Error('gateway: give --upstream <url>, --upstream-command "<command line>" or --config <file> (durable-mcp gateway --help)');

  const names = upstreams.map((u) => u.name ?? '');
  const cli = await parseRuntimeFlags(values, env, () => defaultGatewayDeploymentId(upstreams));
  const consoleSetup = consoleChoice(values, env);
  const { apiKeys = [], logger } = cli.options;
  const started = performance.now();
  const server = await createDurableGateway({
    ...cli.options,
    upstreams,
    ...(consoleSetup.on && { mounts: { '/console': gatewayConsoleMount({ apiKeys, operators: consoleSetup.operators, secureCookies: !isLoopback(cli.host), logger }) } }),
  });
  const gateway = names.map((n) => (n === '' ? '/mcp' : `/mcp/${n}`));
  return runUntilSignal(server, cli, (url) => ({ gateway, ...(consoleSetup.on && { consoleUrl: new URL('/console', url).href }) }), started);
}
