/**
 * The gateway's configuration file (`--config`, JSON or YAML): named
 * upstreams, each served at `/mcp/<name>` with its own headers, era,
 * timeouts and retry budgets. Checked strictly when the gateway starts (an
 * unknown key is a typo, not something to ignore); durations are numbers of
 * milliseconds or strings such as `30s`.
 *
 *   upstreams:
 *     notes:
 *       url: http://127.0.0.1:9000/mcp
 *       headers: { Authorization: "Bearer ${NOTES_TOKEN}" }
 *       requestTimeout: 30s
 *     memory:
 *       command: npx                      # a stdio server: see stdio-entry.ts
 *       args: ["-y", "@modelcontextprotocol/server-memory"]
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../../units.js';
import type { HttpUpstreamOptions, StdioUpstreamOptions } from '../route.js';
import { StdioEntrySchema, stdioUpstreamOptions } from './stdio-entry.js';
import { expandVariables } from './expand.js';

const duration = z.union([z.number().nonnegative(), z.string()]);
const budget = z.strictObject({ maxRetries: z.number().int().nonnegative().optional(), window: duration.optional() });

const UpstreamSchema = z.strictObject({
  url: z.string(),
  headers: z.record(z.string(), z.string()).optional(),
  era: z.enum(['auto', 'legacy', 'modern']).optional(),
  forwardAuthorization: z.boolean().optional(),
  requestTimeout: duration.optional(),
  handshakeTimeout: duration.optional(),
  streamOpenTimeout: duration.optional(),
  standaloneStream: z.boolean().optional(),
  requestRetries: budget.optional(),
  reconnect: budget.optional(),
  inputTimeout: duration.optional(),
  maxMessageBytes: z.number().int().min(1024).optional(),
});

// Each entry is checked by its own kind's schema below (a `command` makes it a stdio upstream), so an error names
// the field of that kind rather than a union's "invalid input".
const ConfigSchema = z.strictObject({
  upstreams: z.record(z.string(), z.record(z.string(), z.unknown())),
});

type UpstreamEntry = z.infer<typeof UpstreamSchema>;

function ms(value: number | string | undefined, where: string): number | undefined {
  return value === undefined ? undefined : typeof value === 'number' ? value : parseDuration(value, where);
}

function budgetOf(value: z.infer<typeof budget> | undefined, where: string) {
  if (!value) return undefined;
  const windowMs = ms(value.window, `${where}.window`);
  return { ...(value.maxRetries !== undefined && { maxRetries: value.maxRetries }), ...(windowMs !== undefined && { windowMs }) };
}

function checkName(name: string): void {
  // The name becomes the path /mcp/<name> and a metrics label.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw new Error(`upstreams.${name}: an upstream name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
}

export function upstreamOptions(name: string, entry: UpstreamEntry, env: NodeJS.ProcessEnv): HttpUpstreamOptions {
  const where = `upstreams.${name}`;
  checkName(name);
  const headers = Object.fromEntries(Object.entries(entry.headers ?? {}).map(([key, value]) => [key, expandVariables(value, env, `${where}.headers.${key}`)]));
  const options: HttpUpstreamOptions = { name, url: expandVariables(entry.url, env, `${where}.url`), headers };
  if (entry.era) options.era = entry.era;
  if (entry.forwardAuthorization !== undefined) options.forwardAuthorization = entry.forwardAuthorization;
  if (entry.standaloneStream !== undefined) options.standaloneStream = entry.standaloneStream;
  if (entry.maxMessageBytes !== undefined) options.maxMessageBytes = entry.maxMessageBytes;
  const timeouts = [
    ['requestTimeoutMs', entry.requestTimeout, 'requestTimeout'],
    ['handshakeTimeoutMs', entry.handshakeTimeout, 'handshakeTimeout'],
    ['streamOpenTimeoutMs', entry.streamOpenTimeout, 'streamOpenTimeout'],
    ['inputTimeoutMs', entry.inputTimeout, 'inputTimeout'],
  ] as const;
  for (const [key, value, field] of timeouts) {
    const parsed = ms(value, `${where}.${field}`);
    if (parsed !== undefined) options[key] = parsed;
  }
  const requestRetries = budgetOf(entry.requestRetries, `${where}.requestRetries`);
  if (requestRetries) options.requestRetries = requestRetries;
  const reconnect = budgetOf(entry.reconnect, `${where}.reconnect`);
  if (reconnect) options.reconnect = reconnect;
  return options;
}

/** Reads and checks a config file; every error names the file and the field. */
/** One entry, by its kind: a `command` runs a stdio server, a `url` reaches one over HTTP. */
function entryOptions(name: string, raw: Record<string, unknown>, env: NodeJS.ProcessEnv): HttpUpstreamOptions | StdioUpstreamOptions {
  const schema = 'command' in raw ? StdioEntrySchema : UpstreamSchema;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`upstreams.${[name, ...issue.path].join('.')}: ${issue.message}`);
  }
  if ('command' in parsed.data) {
    checkName(name);
    return stdioUpstreamOptions(name, parsed.data, env);
  }
  return upstreamOptions(name, parsed.data, env);
}

export function loadGatewayConfig(path: string, env: NodeJS.ProcessEnv): Array<HttpUpstreamOptions | StdioUpstreamOptions> {
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(`--config ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`--config ${path}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  try {
    return Object.entries(parsed.data.upstreams).map(([name, entry]) => entryOptions(name, entry, env));
  } catch (error) {
    throw new Error(`--config ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
