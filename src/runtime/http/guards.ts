import {
  hostHeaderValidationResponse,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
  type AuthInfo,
} from '@modelcontextprotocol/server';
import type { MiddlewareHandler } from 'hono';
import { verifyToken, type ApiKey } from '../auth/api-keys.js';
import { wireError } from '../errors.js';

export interface GuardOptions {
  /** Host header names accepted (DNS-rebinding defence). Undefined: no Host check. */
  allowedHosts?: readonly string[];
  /** Origin hostnames accepted from browsers; requests without Origin always pass. */
  allowedOrigins: readonly string[];
}

/**
 * DNS-rebinding and cross-origin defence, with the SDK's own validators. A
 * loopback server accepts only loopback Host names; a server on a public
 * interface checks Host only when told which names are its own.
 */
export function originGuard(options: GuardOptions): MiddlewareHandler {
  const hosts = options.allowedHosts ? [...options.allowedHosts] : undefined;
  const origins = [...options.allowedOrigins];
  return async (c, next) => {
    const rejected = (hosts && hostHeaderValidationResponse(c.req.raw, hosts)) || originValidationResponse(c.req.raw, origins);
    if (rejected) return rejected;
    await next();
  };
}

/** The Host check alone, for routes that do their own origin checks (e.g. the console's same-origin forms). */
export function hostGuard(allowedHosts: readonly string[] | undefined): MiddlewareHandler {
  const hosts = allowedHosts ? [...allowedHosts] : undefined;
  return async (c, next) => {
    const rejected = hosts && hostHeaderValidationResponse(c.req.raw, hosts);
    if (rejected) return rejected;
    await next();
  };
}

export function loopbackHosts(): string[] {
  return localhostAllowedHostnames();
}

export function loopbackOrigins(): string[] {
  return localhostAllowedOrigins();
}

export type AuthVariables = { principal: string; authInfo: AuthInfo | undefined };

export const ANONYMOUS = 'anonymous';

/**
 * Bearer API keys. Without keys every request is `anonymous` (the server then
 * only binds loopback). A missing or wrong key gets 401 with a challenge, and
 * the log never sees the token.
 */
export function bearerAuth(keys: readonly ApiKey[]): MiddlewareHandler<{ Variables: AuthVariables }> {
  if (keys.length === 0) {
    return async (c, next) => {
      c.set('principal', ANONYMOUS);
      c.set('authInfo', undefined);
      await next();
    };
  }
  return async (c, next) => {
    const header = c.req.header('authorization');
    const match = header ? /^Bearer[ ]+(\S{1,4096})\s*$/i.exec(header) : null;
    const principal = match ? verifyToken(keys, match[1]!) : undefined;
    if (!principal) {
      const challenge = header
        ? 'Bearer realm="durable-mcp", error="invalid_token", error_description="The API key is not valid"'
        : 'Bearer realm="durable-mcp"';
      return wireError('UNAUTHORIZED', {
        message: header
          ? 'Unauthorized: the bearer token is not a valid API key for this server'
          : 'Unauthorized: send an API key as "Authorization: Bearer <key>"',
        headers: { 'www-authenticate': challenge },
      });
    }
    c.set('principal', principal);
    c.set('authInfo', { token: match![1]!, clientId: principal, scopes: [], extra: { principal } });
    await next();
  };
}
