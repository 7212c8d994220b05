/**
 * A real store, the memory app's real migrations, a stock McpServer and a
 * real SDK v2 Client over an in-memory transport: everything but HTTP.
 */
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { memoryApp } from '../../../src/apps/memory/index.js';
import type { AppContext, AppDatabase, AppLogger, ChangeNotifier } from '../../../src/runtime/app.js';
import { principalScope, scopedState } from '../../../src/runtime/state.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { createTestDatabase, tempDir } from '../../support/postgres.js';

export type EngineName = 'pglite' | 'postgres';

const IGNORE_CHANGES: ChangeNotifier = { toolsChanged() {}, promptsChanged() {}, resourcesChanged() {}, resourceUpdated() {} };

export interface ToolOutcome {
  isError: boolean;
  text: string;
  /** The structured payload of a successful call. */
  data: Record<string, any>; // any: assertions read nested fields of arbitrary tool payloads
}

export interface Session {
  call(tool: string, args?: Record<string, unknown>): Promise<ToolOutcome>;
  /** Calls and asserts success, returning the payload. */
  ok(tool: string, args?: Record<string, unknown>): Promise<ToolOutcome['data']>;
  /** Calls and asserts a tool error (isError), returning its message. */
  fails(tool: string, args?: Record<string, unknown>): Promise<string>;
  client: Client;
  principal: string;
  close(): Promise<void>;
}

/** Every row the memory app keeps for one principal, table by table, in a stable order: equal snapshots mean nothing was written. */
export type Snapshot = Record<string, string[]>;

export interface Harness {
  engine: EngineName;
  store: Store;
  /** A new McpServer + Client pair, as the runtime builds for each session. */
  connect(principal: string, clientName?: string): Promise<Session>;
  /** Closes the store and opens the same database again, as a restarted process would. */
  reopen(): Promise<void>;
  /** Errors the app logged (a passing test expects none). */
  loggedErrors: Array<Record<string, unknown>>;
  /** The principal's rows in every memory table, read straight from the store. */
  snapshot(principal: string): Promise<Snapshot>;
  close(): Promise<void>;
}

const MEMORY_TABLES = ['memory_projects', 'memory_topics', 'memory_contexts', 'memory_handovers', 'memory_selections'] as const;

/** A fresh, empty database for one engine: a PGlite directory or a new PostgreSQL database. */
export async function freshStoreUrl(engine: EngineName): Promise<{ url: string; drop(): Promise<void> }> {
  if (engine === 'pglite') return { url: `pglite:${tempDir('memory-app-')}`, drop: async () => {} };
  return createTestDatabase();
}

async function openMigrated(url: string): Promise<Store> {
  const store = await openStore({ url });
  await store.migrate(memoryApp.name, memoryApp.migrations ?? []);
  return store;
}

let principals = 0;
/** A principal no other test uses, so tests sharing one store never see each other's data. */
export function newPrincipal(label: string): string {
  principals += 1;
  return `${label}-${principals}-${process.pid}`;
}

export async function openHarness(engine: EngineName): Promise<Harness> {
  const target = await freshStoreUrl(engine);
  let store = await openMigrated(target.url);
  const sessions = new Set<Session>();
  const loggedErrors: Array<Record<string, unknown>> = [];
  const logger: AppLogger = {
    debug() {},
    info() {},
    warn() {},
    error(fields, msg) {
      loggedErrors.push({ ...fields, msg });
    },
  };

  const harness: Harness = {
    engine,
    get store() {
      return store;
    },
    loggedErrors,
    async snapshot(principal) {
      const tables: Snapshot = {};
      for (const table of MEMORY_TABLES) {
        // Whole rows as JSON (timestamps to the microsecond), so a touched updated_at counts as a write too.
        const { rows } = await store.db.query<{ rows: string[] }>(
          `SELECT coalesce(array_agg(to_jsonb(x)::text ORDER BY to_jsonb(x)::text), '{}') AS rows FROM ${table} x WHERE principal = $1`,
          [principal],
        );
        tables[table] = rows[0]?.rows ?? [];
      }
      return tables;
    },
    async connect(principal, clientName = 'test-client') {
      // Read through the harness at call time, so sessions opened after reopen() use the new store.
      const db: AppDatabase = {
        engine: store.engine,
        query: (sql, params) => store.db.query(sql, params),
        transaction: (fn) => store.db.transaction(fn),
      };
      const ctx: AppContext = {
        era: 'legacy',
        principal,
        client: { name: clientName, version: '1.0.0' },
        userState: scopedState(store.state, principalScope(principal)),
        db,
        deploymentId: 'test',
        logger,
        // The memory app never changes its tool list at run time.
        changes: IGNORE_CHANGES,
      };
      const server = new McpServer({ name: memoryApp.name, version: memoryApp.version });
      await memoryApp.register(server, ctx);
      const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const client = new Client({ name: clientName, version: '1.0.0' });
      await client.connect(clientSide);
      const session: Session = {
        client,
        principal,
        async call(tool, args = {}) {
          const result = await client.callTool({ name: tool, arguments: args });
          const first = result.content?.[0];
          const text = first && first.type === 'text' ? first.text : '';
          const isError = result.isError === true;
          // Successful results are compact JSON text (the app sends no structuredContent).
          return { isError, text, data: isError ? {} : (JSON.parse(text) as ToolOutcome['data']) };
        },
        async ok(tool, args) {
          const r = await session.call(tool, args);
          assert.equal(r.isError, false, `${tool} failed: ${r.text}`);
          return r.data;
        },
        async fails(tool, args) {
          const r = await session.call(tool, args);
          assert.equal(r.isError, true, `${tool} should have failed, got ${r.text}`);
          return r.text;
        },
        async close() {
          sessions.delete(session);
          await client.close();
          await server.close();
        },
      };
      sessions.add(session);
      return session;
    },
    async reopen() {
      for (const s of [...sessions]) await s.close();
      await store.close();
      store = await openMigrated(target.url);
    },
    async close() {
      for (const s of [...sessions]) await s.close();
      await store.close();
      await target.drop();
    },
  };
  return harness;
}
