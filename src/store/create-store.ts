/**
 * Assembles a Store over an open engine. The engine is already wrapped for
 * metrics; the repositories and the migration runner share it.
 */
import type { Database } from './database.js';
import type { EngineDatabase } from './engine.js';
import { migrate } from './migrate.js';
import type { Migration } from './records.js';
import { SqlEventRepository } from './events.js';
import { SqlMailboxRepository } from './mailbox.js';
import { SqlSessionRepository } from './sessions.js';
import { SqlStateRepository } from './state.js';
import type { Store, StoreLogger } from './store.js';

export function createStore(db: EngineDatabase, logger?: StoreLogger): Store {
  let closing: Promise<void> | undefined;
  return {
    engine: db.engine,
    exclusive: db.exclusive,
    kind: db.kind,
    // Typed as the public Database: apps get parameterized query, not the internal script runner.
    db: db as Database,
    sessions: new SqlSessionRepository(db),
    events: new SqlEventRepository(db),
    state: new SqlStateRepository(db),
    mailbox: new SqlMailboxRepository(db),
    migrate: (namespace: string, migrations: readonly Migration[]) => migrate(db, namespace, migrations, logger),
    close: () => (closing ??= db.close()),
  };
}
