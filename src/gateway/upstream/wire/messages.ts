/**
 * Which kind of JSON-RPC message a value from the upstream is: all the relay
 * needs to route it (a response ends its request; a request or a
 * notification goes on to the client). The content is relayed as it is;
 * whoever consumes it (the client's SDK) validates it. The SDK's own guards
 * parse every message whole with zod, result included, which the relay
 * never reads: on a relayed call that showed in the gateway's profile, so
 * only the envelope is checked here.
 */
export type MessageKind = 'response' | 'request' | 'notification';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** The kind of `value`, or undefined when it is not a JSON-RPC 2.0 message at all. */
export function kindOf(value: unknown): MessageKind | undefined {
  if (!isObject(value) || value.jsonrpc !== '2.0') return undefined;
  if (typeof value.method === 'string') {
    if (value.params !== undefined && !isObject(value.params)) return undefined;
    if (!('id' in value)) return 'notification';
    return isId(value.id) ? 'request' : undefined;
  }
  if ('result' in value) return isId(value.id) && isObject(value.result) && !('error' in value) ? 'response' : undefined;
  const error = value.error;
  if (isObject(error) && typeof error.code === 'number' && typeof error.message === 'string') {
    // An error response may carry a null id (the request could not be read); it then answers nobody here.
    return value.id === undefined || value.id === null || isId(value.id) ? 'response' : undefined;
  }
  return undefined;
}

