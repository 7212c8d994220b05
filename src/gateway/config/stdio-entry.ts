/**
 * A stdio upstream in the gateway's config file: the program (`command`,
 * `args`), its `env` (values `${VAR}`-expanded, so secrets stay in the
 * gateway's environment) and `cwd`, and the bounds on its children.
 *
 *   upstreams:
 *     memory:
 *       command: npx
 *       args: ["-y", "@modelcontextprotocol/server-memory"]
 *       env: { MEMORY_FILE_PATH: /data/memory.jsonl }
 *       maxChildren: 16
 *       idleTimeout: 5m
 */
import { z } from 'zod';
import { parseDuration, parseSize } from '../../units.js';
import type { StdioUpstreamOptions } from '../route.js';
import { expandVariables } from './expand.js';

const duration = z.union([z.number().nonnegative(), z.string()]);

export const StdioEntrySchema = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  /** true, or the number of children per principal (default 2). */
  share: z.union([z.boolean(), z.number().int().positive()]).optional(),
  maxChildren: z.number().int().positive().optional(),
  idleTimeout: duration.optional(),
  startupTimeout: duration.optional(),
  stopGrace: duration.optional(),
  requestTimeout: duration.optional(),
  inputTimeout: duration.optional(),
  /** Bytes, or a string such as `512M`; 0 = unlimited. */
  memoryLimit: z.union([z.number().int().nonnegative(), z.string()]).optional(),
  retryAfter: duration.optional(),
});

export type StdioEntry = z.infer<typeof StdioEntrySchema>;

function ms(value: number | string | undefined, where: string): number | undefined {
  return value === undefined ? undefined : typeof value === 'number' ? value : parseDuration(value, where);
}

export function stdioUpstreamOptions(name: string, entry: StdioEntry, env: NodeJS.ProcessEnv): StdioUpstreamOptions {
  const where = `upstreams.${name}`;
  const options: StdioUpstreamOptions = {
    name,
    command: entry.command,
    args: entry.args ?? [],
    env: Object.fromEntries(Object.entries(entry.env ?? {}).map(([key, value]) => [key, expandVariables(value, env, `${where}.env.${key}`)])),
  };
  if (entry.cwd !== undefined) options.cwd = expandVariables(entry.cwd, env, `${where}.cwd`);
  if (entry.share !== undefined && entry.share !== false) options.share = entry.share === true ? {} : { children: entry.share };
  if (entry.maxChildren !== undefined) options.maxChildren = entry.maxChildren;
  const timeouts = [
    ['idleTimeoutMs', entry.idleTimeout, 'idleTimeout'],
    ['startupTimeoutMs', entry.startupTimeout, 'startupTimeout'],
    ['stopGraceMs', entry.stopGrace, 'stopGrace'],
    ['requestTimeoutMs', entry.requestTimeout, 'requestTimeout'],
    ['inputTimeoutMs', entry.inputTimeout, 'inputTimeout'],
  ] as const;
  for (const [key, value, field] of timeouts) {
    const parsed = ms(value, `${where}.${field}`);
    if (parsed !== undefined) options[key] = parsed;
  }
  const retryAfter = ms(entry.retryAfter, `${where}.retryAfter`);
  if (retryAfter !== undefined) options.retryAfterSeconds = Math.max(1, Math.round(retryAfter / 1000));
  if (entry.memoryLimit !== undefined) {
    options.memoryLimitBytes = typeof entry.memoryLimit === 'number' ? entry.memoryLimit : parseSize(entry.memoryLimit, `${where}.memoryLimit`);
  }
  return options;
}
