import type { StateRepository } from '../store/index.js';
import type { KeyValueState } from './app.js';
import { DurableMcpError } from './errors.js';

const MAX_KEY_LENGTH = 256;
const MAX_VALUE_BYTES = 1024 * 1024;

/** Scope names in the shared state table. Session scopes are swept with their session. */
export const sessionScope = (sessionId: string): string => `session:${sessionId}`;
export const principalScope = (principal: string): string => `principal:${principal}`;

function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new DurableMcpError('STATE_KEY_INVALID', `state keys must be 1-${MAX_KEY_LENGTH} characters`);
  }
}

/** A KeyValueState bound to one scope. Every call goes to the store: state is shared by all instances. */
export function scopedState(repo: StateRepository, scope: string): KeyValueState {
  return {
    async get<T>(key: string): Promise<T | undefined> {
      checkKey(key);
      return (await repo.get(scope, key)) as T | undefined;
    },
    async set(key, value) {
      checkKey(key);
      const json = JSON.stringify(value);
      if (json === undefined) throw new DurableMcpError('STATE_VALUE_INVALID', 'state values must be JSON-serialisable');
      if (Buffer.byteLength(json) > MAX_VALUE_BYTES) {
        throw new DurableMcpError('STATE_VALUE_TOO_LARGE', `state values are limited to ${MAX_VALUE_BYTES} bytes of JSON`);
      }
      await repo.set(scope, key, value);
    },
    async delete(key) {
      checkKey(key);
      return repo.delete(scope, key);
    },
    list(options) {
      return repo.list(scope, options);
    },
  };
}
