/**
 * The console's signed cookie and the CSRF tokens derived from it.
 *
 * The cookie holds a random nonce, and after sign-in the principal, a tag of
 * the API key used and an expiry; it is signed with HMAC-SHA256 under a
 * secret kept in the store (see secret.ts), so any instance can read it and a
 * restart signs nobody out. The key tag is an HMAC of the key's digest: when
 * the key is removed from the key file, its sign-ins stop working at once.
 * A form's CSRF token is an HMAC of the nonce, so it is bound to this browser's
 * cookie, which SameSite=Strict keeps off cross-site requests anyway.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface CookiePayload {
  /** Nonce: what CSRF tokens are bound to; renewed at sign-in and sign-out. */
  n: string;
  /** Principal, once signed in. */
  p?: string;
  /** Tag of the API key that signed in. */
  k?: string;
  /** Expiry, seconds since the epoch. */
  e: number;
}

export class SessionCodec {
  readonly #secret: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new Error('the console secret must have at least 32 bytes');
    this.#secret = secret;
  }

  #mac(purpose: string, data: string | Buffer): Buffer {
    return createHmac('sha256', this.#secret).update(`${purpose}\0`).update(data).digest();
  }

  static nonce(): string {
    return randomBytes(18).toString('base64url');
  }

  seal(payload: CookiePayload): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.#mac('cookie', body).toString('base64url')}`;
  }

  /** The payload of a cookie this secret signed and that has not expired, else undefined. */
  open(value: string | undefined, nowMs = Date.now()): CookiePayload | undefined {
    if (!value || value.length > 2048) return undefined;
    const dot = value.indexOf('.');
    if (dot <= 0) return undefined;
    const body = value.slice(0, dot);
    const presented = Buffer.from(value.slice(dot + 1), 'base64url');
    const expected = this.#mac('cookie', body);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return undefined; // signed by us, so this cannot happen short of a bug; treated as no cookie
    }
    const p = payload as Partial<CookiePayload>;
    if (typeof p.n !== 'string' || typeof p.e !== 'number' || p.e * 1000 <= nowMs) return undefined;
    return p as CookiePayload;
  }

  csrfToken(nonce: string): string {
    return this.#mac('csrf', nonce).toString('base64url');
  }

  checkCsrf(nonce: string, token: unknown): boolean {
    if (typeof token !== 'string' || token.length > 100) return false;
    const presented = Buffer.from(token, 'base64url');
    const expected = this.#mac('csrf', nonce);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }

  keyTag(digest: Buffer): string {
    return this.#mac('key', digest).subarray(0, 16).toString('base64url');
  }
}
