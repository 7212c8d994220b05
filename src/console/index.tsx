/**
 * The console: server-rendered pages under /console for people who would
 * rather look than read JSON. Memory pages (when the server runs the memory
 * app) go through the memory app's own repository and schemas; operations
 * pages read the metrics registry and the session table. Mounted by the
 * runtime's `mounts` option; nothing in the runtime or the app imports it.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { MemoryError } from '../apps/memory/errors.js';
import { StoreError, StoreQueryError } from '../store/index.js';
import { requireOperator, requireViewer, sessionMiddleware, type AuthSettings } from './auth/middleware.js';
import { secretLoader } from './auth/secret.js';
import type { ConsoleEnv } from './env.js';
import { ConsolePageError } from './errors.js';
import type { ConsoleOptions } from './options.js';
import { readCounters } from './ops/readings.js';
import { CounterSampler } from './ops/sampler.js';
import { chromeOf, page, type ChromeSource } from './render.js';
import { mountAuthRoutes } from './routes/auth.js';
import { mountMemoryActions } from './routes/memory-actions.js';
import { mountMemoryPages } from './routes/memory-pages.js';
import { mountOpsPage } from './routes/ops.js';
import { mountTransfer } from './routes/transfer.js';
import { ErrorBody, Layout } from './views/layout.js';
import { STYLESHEET } from './views/style.js';

export type { ConsoleOptions, OpsSource, SecretStore, InstanceInfo, UpstreamHealth } from './options.js';
export { stateSecretStore } from './auth/secret.js';

export interface Console {
  /** Serves requests whose path starts with /console. */
  fetch(request: Request): Promise<Response>;
  /** Stops the chart sampler. */
  close(): void;
}

/** Room for a 100,000-character context in UTF-8, form-encoded, with the other fields. */
const FORM_LIMIT = 2 * 1024 * 1024;
const CHART_SLOTS = 60;

export function createConsole(options: ConsoleOptions): Console {
  const settings: AuthSettings = {
    apiKeys: options.apiKeys,
    operators: new Set(options.operators),
    secureCookies: options.secureCookies,
    sessionTtlMs: options.sessionTtlMs ?? 12 * 3600 * 1000,
    loadSecret: secretLoader(options.secrets),
  };
  const gateway = options.ops.upstreams !== undefined;
  const chrome: ChromeSource = { signIn: options.apiKeys.length > 0, memory: options.memory !== undefined, gateway };
  const operationsOnly = gateway
    ? 'This process is a durable gateway: its console shows operations only. Memory pages are served by a server that runs the memory app (durable-mcp serve).'
    : 'This server runs another app than the memory app: its console shows operations only.';
  const maxImportBytes = options.maxImportBytes ?? 64 * 1024 * 1024;
  const sampler = new CounterSampler(() => readCounters(options.ops.registry), options.sampleIntervalMs ?? 60_000, CHART_SLOTS, options.logger);
  sampler.start();

  const app = new Hono<ConsoleEnv>().basePath('/console');
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      // HSTS is the operator's call for the whole host, not the console's.
      strictTransportSecurity: false,
      referrerPolicy: 'same-origin',
    }),
  );
  app.use(async (c, next) => {
    await next();
    // Pages show private memory: no shared cache may keep them.
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });
  app.get('/static/console.css', (c) => {
    c.header('cache-control', 'public, max-age=3600');
    c.header('content-type', 'text/css; charset=utf-8');
    return c.body(STYLESHEET);
  });
  app.on('POST', '*', (c, next) => {
    const maxSize = c.req.path === '/console/memory/import' ? maxImportBytes : FORM_LIMIT;
    return bodyLimit({
      maxSize,
      onError: (c) => {
        // The rest of the body is never read: the connection cannot carry another request after this answer.
        c.header('connection', 'close');
        throw new ConsolePageError(413, 'Too large', `This form may send at most ${maxSize} bytes.`);
      },
    })(c, next);
  });
  app.use(sessionMiddleware(settings));

  mountAuthRoutes(app, settings, chrome, options.logger);
  app.get('/', (c) => {
    const viewer = c.get('viewer');
    if (!viewer) return c.redirect('/console/login', 303);
    if (options.memory) return c.redirect('/console/memory', 303);
    if (viewer.operator) return c.redirect('/console/ops', 303);
    // Signed in with nothing to see: sending this viewer to sign in again would come straight back here.
    throw new ConsolePageError(403, 'Operators only', `${operationsOnly} They need the API key of a principal listed in --operators.`);
  });
  app.use('/memory', requireViewer);
  app.use('/memory/*', requireViewer);
  app.use('/ops', requireOperator);
  app.use('/ops/*', requireOperator);
  if (options.memory) {
    mountMemoryPages(app, options.memory, chrome);
    mountMemoryActions(app, options.memory, chrome);
    mountTransfer(app, options.memory, chrome, maxImportBytes);
  } else {
    const noMemory = () => {
      throw new ConsolePageError(404, 'No memory pages', operationsOnly);
    };
    app.all('/memory', noMemory);
    app.all('/memory/*', noMemory);
  }
  mountOpsPage(app, options.ops, sampler, CHART_SLOTS, chrome);

  const errorPage = (c: Context<ConsoleEnv>, status: ConsolePageError['status'], title: string, message: string) =>
    page(
      c,
      <Layout title={title} chrome={chromeOf(c, chrome)}>
        <ErrorBody status={status} title={title} message={message} />
      </Layout>,
      status,
    );
  app.notFound((c) => errorPage(c, 404, 'Not found', 'There is no console page at this address.'));
  app.onError((error, c) => {
    if (error instanceof ConsolePageError) return errorPage(c, error.status, error.title, error.message);
    if (error instanceof MemoryError) return errorPage(c, 400, 'Not done', error.message);
    if (error instanceof HTTPException) return errorPage(c, error.status as ConsolePageError['status'], 'Refused', error.message || 'The request was refused.');
    if (storeUnavailable(error)) {
      options.logger.warn({ err: error.message }, 'console: store unavailable');
      return errorPage(c, 503, 'Store unavailable', 'The database did not answer. Try again in a moment.');
    }
    options.logger.error({ err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error), path: c.req.path }, 'console page failed');
    return errorPage(c, 500, 'Console error', 'Something failed on the server; it was logged.');
  });

  return {
    fetch: async (request) => app.fetch(request),
    close: () => sampler.stop(),
  };
}

/**
 * The database is down, unreachable, closed or too slow: the request may work later (503), unlike a bug (500).
 * Narrower than the runtime's failureResponse: a query the server refused for its content is our bug here.
 */
function storeUnavailable(error: unknown): boolean {
  if (!(error instanceof StoreError)) return false;
  if (!(error instanceof StoreQueryError)) return true;
  const state = error.sqlState;
  // No SQLSTATE: the connection failed. 08: connection exception; 57: operator intervention (shutdown, query canceled by timeout).
  return state === undefined || state.startsWith('08') || state.startsWith('57');
}
