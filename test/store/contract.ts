/**
 * The contract every engine must pass. One store per engine is opened for
 * the whole suite (a fresh PGlite dir costs seconds); tests use unique ids
 * so they never see each other's rows.
 */
import { after, before, describe } from 'node:test';
import type { Store } from '../../src/store/index.js';
import { databaseContract } from './contract-database.js';
import { eventsContract } from './contract-events.js';
import { mailboxContract } from './contract-mailbox.js';
import { sessionsContract } from './contract-sessions.js';
import { stateContract } from './contract-state.js';

export type StoreGetter = () => Store;

export function runStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    let store: Store | undefined;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store?.close();
    });
    const get: StoreGetter = () => {
      if (!store) throw new Error('the store did not open');
      return store;
    };
    sessionsContract(get);
    eventsContract(get);
    stateContract(get);
    mailboxContract(get);
    // Last: it ends with the store closed.
    databaseContract(get);
  });
}
