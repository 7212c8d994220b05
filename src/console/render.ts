/** One way to answer with a page: doctype, no caching of private data, the status chosen by the route. */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ConsoleEnv } from './env.js';
import type { Chrome } from './views/layout.js';

export interface ChromeSource {
  signIn: boolean;
  memory: boolean;
  gateway: boolean;
}

export function chromeOf(c: Context<ConsoleEnv>, source: ChromeSource): Chrome {
  return { viewer: c.get('viewer'), csrf: c.get('csrf') ?? '', signIn: source.signIn, memory: source.memory, gateway: source.gateway };
}

export async function page(c: Context<ConsoleEnv>, body: Child, status: ContentfulStatusCode = 200): Promise<Response> {
  return c.html(`<!DOCTYPE html>${String(await body)}`, status);
}
