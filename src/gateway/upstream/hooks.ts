/** The front's hooks, made safe to call from the middle of an exchange. */
import type { UpstreamHooks } from './types.js';

/** A hook that throws is the front's bug; it must not fail the request that triggered it. */
function guard<A extends unknown[]>(fn: ((...args: A) => void) | undefined): (...args: A) => void {
  return (...args) => {
    try {
      fn?.(...args);
    } catch {
      // Swallowed on purpose: the hook's own failure has nothing to do with the upstream exchange.
    }
  };
}

export function guardedHooks(hooks: UpstreamHooks | undefined): Required<UpstreamHooks> {
  return {
    onSnapshot: guard(hooks?.onSnapshot),
    onMessage: guard(hooks?.onMessage),
    onRecreated: guard(hooks?.onRecreated),
    onEvent: guard(hooks?.onEvent),
  };
}
