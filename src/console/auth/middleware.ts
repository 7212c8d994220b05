/**
 * Who is asking, and whether they may: the cookie becomes a Viewer, every
 * POST must carry the CSRF token of its cookie (and come from this origin),
 * memory pages need a viewer, operations pages an operator.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '../../runtime/auth/api-keys.js';
import type { ConsoleEnv, Viewer } from '../env.js';
import { ConsolePageError } from '../errors.js';
import { SessionCodec, type CookiePayload } from './session-codec.js';

export const COOKIE = 'durable_mcp_console';
export const ANONYMOUS = 'anonymous';

export interface AuthSettings {
  apiKeys: readonly ApiKey[];
  operators: ReadonlySet<string>;
  secureCookies: boolean;
  sessionTtlMs: number;
  loadSecret: () => Promise<Buffer>;
}

export function writeCookie(c: Context<ConsoleEnv>, settings: AuthSettings, payload: CookiePayload): void {
  setCookie(c, COOKIE, c.get('codec').seal(payload), {
    path: '/console',
    httpOnly: true,
    sameSite: 'Strict',
    secure: settings.secureCookies,
    maxAge: Math.floor(settings.sessionTtlMs / 1000),
  });
  c.set('csrf', c.get('codec').csrfToken(payload.n));
}

export function freshPayload(settings: AuthSettings, signedIn?: { principal: string; keyTag: string }): CookiePayload {
  return {
    n: SessionCodec.nonce(),
    ...(signedIn && { p: signedIn.principal, k: signedIn.keyTag }),
    e: Math.floor((Date.now() + settings.sessionTtlMs) / 1000),
  };
}

/** The API key a signed-in cookie names, if it is still configured for that principal. */
function viewerOf(payload: CookiePayload, settings: AuthSettings, codec: SessionCodec): Viewer | undefined {
  if (settings.apiKeys.length === 0) return { principal: ANONYMOUS, operator: true };
  if (!payload.p || !payload.k) return undefined;
  const tag = Buffer.from(payload.k);
  const current = settings.apiKeys.some((key) => {
    const expected = Buffer.from(codec.keyTag(key.digest));
    return key.principal === payload.p && expected.length === tag.length && timingSafeEqual(expected, tag);
  });
  return current ? { principal: payload.p, operator: settings.operators.has(payload.p) } : undefined;
}

/** Reads (or starts) the browser's cookie; a POST must then prove it came from one of our pages. */
export function sessionMiddleware(settings: AuthSettings): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const codec = new SessionCodec(await settings.loadSecret());
    c.set('codec', codec);
    let payload = codec.open(getCookie(c, COOKIE));
    if (c.req.method === 'POST') {
      if (!payload) throw new ConsolePageError(403, 'Form expired', 'This form is no longer valid (no console cookie). Go back, reload the page and try again.');
      checkSameOrigin(c);
      const form = await readForm(c);
      if (!codec.checkCsrf(payload.n, form._csrf)) {
        throw new ConsolePageError(403, 'Form expired', 'The form did not carry a valid CSRF token. Go back, reload the page and try again.');
      }
      c.set('form', form);
      c.set('csrf', codec.csrfToken(payload.n));
    } else if (payload) {
      c.set('csrf', codec.csrfToken(payload.n));
    } else {
      payload = freshPayload(settings);
      writeCookie(c, settings, payload);
    }
    c.set('viewer', viewerOf(payload, settings, codec));
    await next();
  };
}

/**
 * Browsers say where a form came from (Sec-Fetch-Site, Origin): anything but
 * this origin is refused even before the token is checked. Requests without
 * either header (curl, old browsers) rely on the token alone.
 */
function checkSameOrigin(c: Context<ConsoleEnv>): void {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new ConsolePageError(403, 'Cross-site form refused', 'Console forms must be sent from the console itself.');
  }
  const origin = c.req.header('origin');
  if (site === undefined && origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined; // an Origin that is not a URL names no host: refused just below
    }
    if (host !== c.req.header('host')) throw new ConsolePageError(403, 'Cross-site form refused', 'Console forms must be sent from the console itself.');
  }
}

async function readForm(c: Context<ConsoleEnv>): Promise<Record<string, string | File>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
    throw new ConsolePageError(415, 'Not a form', 'Console actions take an HTML form (application/x-www-form-urlencoded or multipart/form-data).');
  }
  try {
    // Repeated fields keep the last value: no console form repeats one.
    return (await c.req.parseBody()) as Record<string, string | File>;
  } catch {
    throw new ConsolePageError(400, 'Unreadable form', 'The form body could not be read.');
  }
}

export const requireViewer: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.get('viewer')) return next();
  if (c.req.method === 'GET') {
    const url = new URL(c.req.url);
    return c.redirect(`/console/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
  }
  throw new ConsolePageError(401, 'Signed out', 'Sign in again, then repeat what you were doing.');
};

export const requireOperator: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const viewer = c.get('viewer');
  if (!viewer) return requireViewer(c, next);
  if (!viewer.operator) {
    throw new ConsolePageError(403, 'Operators only', 'The operations pages need an API key of a principal listed in --operators.');
  }
  return next();
};
