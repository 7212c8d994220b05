/**
 * `durable-mcp bridge <url> [--header "Name: value"]... [--timeout ms] [--era auto|legacy] [--verbose|--quiet]`.
 * Header values may reference environment variables as `${NAME}`, so a token
 * lives in the environment of the MCP host rather than in its config file.
 * A reference to an unset variable is an error: sending "Bearer " silently
 * would only fail later and more confusingly.
 */

export type LogLevel = 'quiet' | 'info' | 'verbose';

/** Which protocol era to speak to the remote: `auto` prefers 2026-07-28 when it offers it, `legacy` always initializes. */
export type RemoteEra = 'auto' | 'legacy';

export interface BridgeArgs {
  url: URL;
  headers: Record<string, string>;
  timeoutMs: number | undefined;
  era: RemoteEra;
  logLevel: LogLevel;
}

export type ParseResult = { ok: true; args: BridgeArgs } | { ok: true; help: true } | { ok: false; error: string };

export const BRIDGE_HELP = `Usage: durable-mcp bridge <url> [options]

Serves MCP over stdio and forwards everything to a remote Streamable HTTP
server, re-initializing and retrying safely when the remote restarts.

Options:
  --header "Name: value"  Add an HTTP header to every request (repeatable).
                          \${VAR} in the value is replaced from the environment,
                          e.g. --header "Authorization: Bearer \${MCP_TOKEN}".
  --timeout <ms>          Per-request timeout, and how long to wait for the
                          remote at startup (default 60000).
  --era <auto|legacy>     auto (default): 2026-07-28 when the remote offers it,
                          else a 2025-era session. legacy: always a 2025-era
                          session, the era the host speaks; needed for tools
                          that ask the client with 2025-era requests
                          (createMessage, elicitInput, listRoots), which
                          2026-07-28 cannot carry.
  --verbose               Log retries, reconnects and transport errors to stderr.
  --quiet                 Log only errors.
  -h, --help              Show this help.

stdout carries the MCP protocol; all logs go to stderr.
`;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Replaces `${NAME}` with the environment's value. */
export function expandEnv(value: string, env: NodeJS.ProcessEnv): { ok: true; value: string } | { ok: false; missing: string } {
  let missing: string | undefined;
  const expanded = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
    const found = env[name];
    if (found === undefined) missing ??= name;
    return found ?? '';
  });
  return missing === undefined ? { ok: true, value: expanded } : { ok: false, missing };
}

export function parseHeader(raw: string, env: NodeJS.ProcessEnv): { ok: true; name: string; value: string } | { ok: false; error: string } {
  const colon = raw.indexOf(':');
  if (colon <= 0) return { ok: false, error: `--header expects "Name: value", got "${raw}"` };
  const name = raw.slice(0, colon).trim();
  if (!HEADER_NAME.test(name)) return { ok: false, error: `--header: invalid header name "${name}"` };
  const expanded = expandEnv(raw.slice(colon + 1).trim(), env);
  // The value may hold a secret; name the variable, never echo the value.
  if (!expanded.ok) return { ok: false, error: `--header ${name}: environment variable ${expanded.missing} is not set` };
  return { ok: true, name, value: expanded.value };
}

export function parseBridgeArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParseResult {
  let url: URL | undefined;
  const headers: Record<string, string> = {};
  let timeoutMs: number | undefined;
  let era: RemoteEra = 'auto';
  let logLevel: LogLevel = 'info';

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const inline = arg.startsWith('--') && arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : undefined;
    const flag = inline === undefined ? arg : arg.slice(0, arg.indexOf('='));
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '-h':
      case '--help':
        return { ok: true, help: true };
      case '--header': {
        const raw = value();
        if (raw === undefined) return { ok: false, error: '--header needs a value' };
        const header = parseHeader(raw, env);
        if (!header.ok) return header;
        headers[header.name] = header.value;
        break;
      }
      case '--timeout': {
        const raw = value();
        const ms = Number(raw);
        if (raw === undefined || !Number.isInteger(ms) || ms <= 0) return { ok: false, error: `--timeout expects a positive number of ms, got "${raw}"` };
        timeoutMs = ms;
        break;
      }
      case '--era': {
        const raw = value();
        if (raw !== 'auto' && raw !== 'legacy') return { ok: false, error: `--era expects auto or legacy, got "${raw}"` };
        era = raw;
        break;
      }
      case '--verbose':
        logLevel = 'verbose';
        break;
      case '--quiet':
        logLevel = 'quiet';
        break;
      default:
        if (arg.startsWith('-')) return { ok: false, error: `unknown option ${arg}` };
        if (url) return { ok: false, error: `unexpected argument "${arg}" (the url is already ${url.href})` };
        try {
          url = new URL(arg);
        } catch {
          return { ok: false, error: `not a URL: "${arg}"` };
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, error: `the url must be http(s), got ${url.protocol}` };
    }
  }
  if (!url) return { ok: false, error: 'missing <url>' };
  return { ok: true, args: { url, headers, timeoutMs, era, logLevel } };
}
