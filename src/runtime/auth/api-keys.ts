import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DurableMcpError } from '../errors.js';

/**
 * API keys, held only as SHA-256 digests. A presented token is hashed once and
 * compared against every digest with timingSafeEqual, without early exit, so
 * neither the match nor its position leaks through timing.
 *
 * Accepted forms, one entry per line (file) or per comma (env):
 *   `principal:secret`         a plain key, hashed at load time
 *   `principal:sha256:<hex>`   an already hashed key (keeps secrets out of the file)
 * Blank lines and `#` comments are ignored in files.
 */
export interface ApiKey {
  principal: string;
  digest: Buffer;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

const PRINCIPAL = /^[A-Za-z0-9._@-]{1,128}$/;

export function parseApiKeys(text: string, source: string, separator: RegExp): ApiKey[] {
  const keys: ApiKey[] = [];
  for (const raw of text.split(separator)) {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    const colon = entry.indexOf(':');
    const principal = colon > 0 ? entry.slice(0, colon) : '';
    const secret = colon > 0 ? entry.slice(colon + 1) : '';
    if (!PRINCIPAL.test(principal) || secret === '') {
      throw new DurableMcpError(
        'API_KEYS_INVALID',
        `${source}: each API key entry must look like 'principal:secret' or 'principal:sha256:<64 hex>' ` +
          `(principal: letters, digits, . _ @ -)`,
      );
    }
    if (secret.startsWith('sha256:')) {
      const hex = secret.slice('sha256:'.length);
      if (!/^[0-9a-f]{64}$/i.test(hex)) {
        throw new DurableMcpError('API_KEYS_INVALID', `${source}: the sha256 digest for '${principal}' must be 64 hex digits`);
      }
      keys.push({ principal, digest: Buffer.from(hex, 'hex') });
    } else {
      if (secret.length < 16) {
        throw new DurableMcpError('API_KEYS_INVALID', `${source}: the key for '${principal}' is shorter than 16 characters`);
      }
      keys.push({ principal, digest: hashToken(secret) });
    }
  }
  return keys;
}

export function loadApiKeys(options: { env?: string; file?: string }): ApiKey[] {
  const keys: ApiKey[] = [];
  if (options.env) keys.push(...parseApiKeys(options.env, 'DURABLE_MCP_API_KEYS', /,/));
  if (options.file) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      throw new DurableMcpError('API_KEYS_INVALID', `cannot read API keys file ${options.file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    keys.push(...parseApiKeys(text, options.file, /\r?\n/));
  }
  return keys;
}

/** The principal whose key matches `token`, or undefined. Constant time in the number of keys. */
export function verifyToken(keys: readonly ApiKey[], token: string): string | undefined {
  const digest = hashToken(token);
  let match: string | undefined;
  for (const key of keys) {
    if (timingSafeEqual(key.digest, digest) && match === undefined) match = key.principal;
  }
  return match;
}
