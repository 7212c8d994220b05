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
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../../cli/durations.js';
import type { HttpUpstreamOptions } from '../route.js';
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
});

const ConfigSchema = z.strictObject({
  upstreams: z.record(z.string(), UpstreamSchema),
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

export function upstreamOptions(name: string, entry: UpstreamEntry, env: NodeJS.ProcessEnv): HttpUpstreamOptions {
  const where = `upstreams.${name}`;
  // The name becomes the path /mcp/<name> and a metrics label.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw new Error(`${where}: an upstream name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  const headers = Object.fromEntries(Object.entries(entry.headers ?? {}).map(([key, value]) => [key, expandVariables(value, env, `${where}.headers.${key}`)]));
  const options: HttpUpstreamOptions = { name, url: expandVariables(entry.url, env, `${where}.url`), headers };
  if (entry.era) options.era = entry.era;
  if (entry.forwardAuthorization !== undefined) options.forwardAuthorization = entry.forwardAuthorization;
  if (entry.standaloneStream !== undefined) options.standaloneStream = entry.standaloneStream;
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
export function loadGatewayConfig(path: string, env: NodeJS.ProcessEnv): HttpUpstreamOptions[] {
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
    return Object.entries(parsed.data.upstreams).map(([name, entry]) => upstreamOptions(name, entry, env));
  } catch (error) {
    throw new Error(`--config ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
