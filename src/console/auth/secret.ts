/**
 * The cookie-signing secret: 32 random bytes created by the first instance
 * that needs them and kept in the store, so every instance on one store signs
 * alike and a restart keeps people signed in. Not derived from the API keys:
 * a key file holding only sha256 digests would then be enough to forge a
 * sign-in. Whoever can read the store can forge one, but could read every
 * memory anyway.
 */
import { randomBytes } from 'node:crypto';
import type { StateRepository } from '../../store/index.js';
import type { SecretStore } from '../options.js';

export const SECRET_NAME = 'cookie-secret-v1';
const SCOPE = 'durable-mcp:console';

/** A SecretStore on the store's state table (first writer wins). */
export function stateSecretStore(state: Pick<StateRepository, 'setIfAbsent'>): SecretStore {
  return {
    async getOrCreate(name, create) {
      const value = await state.setIfAbsent(SCOPE, name, create());
      if (typeof value !== 'string') throw new Error(`console secret ${name} in the store is not a string`);
      return value;
    },
  };
}

/** Loads the secret once and keeps it; a failed load is retried by the next request. */
export function secretLoader(store: SecretStore): () => Promise<Buffer> {
  let loaded: Promise<Buffer> | undefined;
  return () => {
    loaded ??= store.getOrCreate(SECRET_NAME, () => randomBytes(32).toString('base64url')).then(
      (text) => Buffer.from(text, 'base64url'),
      (error: unknown) => {
        loaded = undefined;
        throw error;
      },
    );
    return loaded;
  };
}
