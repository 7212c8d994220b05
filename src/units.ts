/**
 * Durations, sizes and counts as people write them in flags and config files.
 * A leaf beside version.ts: the CLI and the gateway's config files both parse
 * them, and the gateway must not import the CLI.
 */

/** Parses `250ms`, `30s`, `10m`, `24h`, `7d` or a bare number of milliseconds. */
export function parseDuration(value: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) throw new Error(`${name}: '${value}' is not a duration (examples: 500ms, 30s, 10m, 24h)`);
  const n = Number(match[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? 'ms') as 'ms'];
  return Math.round(n * unit);
}

export function parsePositiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: '${value}' is not a positive integer`);
  return n;
}

/** Parses a size in bytes: a bare number, or with K, M or G (powers of 1024), e.g. `512M`. */
export function parseSize(value: string, name: string): number {
  const match = /^(\d+)([KMG])?i?B?$/i.exec(value.trim());
  if (!match) throw new Error(`${name}: '${value}' is not a size (examples: 536870912, 512M, 1G)`);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(match[2] ?? '').toUpperCase() as 'K'];
  return Number(match[1]) * unit;
}
