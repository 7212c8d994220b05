/** Sign in with an API key, sign out. Without API keys there is nobody to sign in: both lead home. */
import type { Hono } from 'hono';
import { timingSafeEqual } from 'node:crypto';
import type { AppLogger } from '../../runtime/app.js';
import { hashToken } from '../../runtime/auth/api-keys.js';
import { freshPayload, writeCookie, type AuthSettings } from '../auth/middleware.js';
import type { ConsoleEnv } from '../env.js';
import { chromeOf, page, type ChromeSource } from '../render.js';
import { LoginPage } from '../views/login.js';
import { field } from './memory-shared.js';

/** Only a path inside the console: anything else (another host, "//evil", "/\\evil") would make sign-in an open redirect. */
export function safeNext(raw: string | undefined): string {
  return raw && /^\/console(\/[^\\]*)?$/.test(raw) && !raw.startsWith('//') && !raw.includes('/..') ? raw : '/console';
}

export function mountAuthRoutes(app: Hono<ConsoleEnv>, settings: AuthSettings, chrome: ChromeSource, logger: AppLogger): void {
  app.get('/login', (c) => {
    const next = safeNext(c.req.query('next'));
    if (c.get('viewer')) return c.redirect(next, 303);
    return page(c, <LoginPage chrome={chromeOf(c, chrome)} next={next} />);
  });

  app.post('/login', async (c) => {
    const form = c.get('form');
    const next = safeNext(field(form, 'next'));
    if (settings.apiKeys.length === 0) return c.redirect(next, 303);
    const digest = hashToken(field(form, 'key') ?? '');
    // Every key is compared, without early exit, as bearer auth does.
    let match: (typeof settings.apiKeys)[number] | undefined;
    for (const key of settings.apiKeys) if (timingSafeEqual(key.digest, digest) && !match) match = key;
    if (!match) {
      logger.info({ event: 'console_sign_in_failed' }, 'console sign-in with an unknown API key');
      return page(c, <LoginPage chrome={chromeOf(c, chrome)} next={next} error="That key is not an API key of this server." />, 401);
    }
    // A new nonce at sign-in: a cookie planted before cannot ride along into the session.
    writeCookie(c, settings, freshPayload(settings, { principal: match.principal, keyTag: c.get('codec').keyTag(match.digest) }));
    logger.info({ event: 'console_sign_in', principal: match.principal }, 'console sign-in');
    return c.redirect(next, 303);
  });

  app.post('/logout', (c) => {
    writeCookie(c, settings, freshPayload(settings));
    return c.redirect(settings.apiKeys.length === 0 ? '/console' : '/console/login', 303);
  });
}
