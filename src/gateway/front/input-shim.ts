/**
 * A 2025-era client in front of a 2026-07-28 upstream: the upstream asks for
 * client input (elicitation, sampling, roots) by answering `input_required`
 * instead of sending a request, which a 2025-era client does not understand.
 * The gateway does what the SDK's own server shim does for its legacy
 * clients: it sends each embedded input request to the client as a real
 * server-to-client request, collects the answers, and sends the original
 * request again with `inputResponses` (and `requestState` echoed byte for
 * byte), until the upstream gives a complete result or the round cap is hit.
 */
import type { ClientCapabilities, JSONRPCRequest, JSONRPCResponse } from '@modelcontextprotocol/client';
import { GatewayErrorCode } from './errors.js';

/** Fixed pacing of a round that carries no input requests (the upstream only asked to be called again). */
const STATE_ONLY_PACING_MS = 250;

export interface InputShimOptions {
  /** At most this many input rounds per request. */
  maxRounds: number;
  capabilities: ClientCapabilities | undefined;
  /** Sends one input request to the client (on the original request's stream) and resolves with its answer. */
  ask(method: string, params: unknown): Promise<JSONRPCResponse>;
  /** Sends the request (again) upstream. */
  send(request: JSONRPCRequest): Promise<JSONRPCResponse>;
}

type InputRequired = { resultType: 'input_required'; inputRequests?: Record<string, { method?: unknown; params?: unknown }>; requestState?: string };

export function isInputRequired(response: JSONRPCResponse): boolean {
  return 'result' in response && (response.result as { resultType?: unknown }).resultType === 'input_required';
}

const NEEDS: Readonly<Record<string, keyof ClientCapabilities>> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

function failure(id: JSONRPCRequest['id'], message: string): JSONRPCResponse {
  return { jsonrpc: '2.0', id, error: { code: -32603, message, data: { code: GatewayErrorCode.InputFailed, mayHaveRun: true } } };
}

/** Runs the rounds after a first `input_required` answer; returns the upstream's final response (or a clear error). */
export async function fulfilInputs(request: JSONRPCRequest, first: JSONRPCResponse, options: InputShimOptions): Promise<JSONRPCResponse> {
  let response = first;
  for (let round = 1; isInputRequired(response); round++) {
    if (round > options.maxRounds) return failure(request.id, `${request.method} still required input after ${options.maxRounds} rounds`);
    const asked = (response as { result: unknown }).result as InputRequired;
    const entries = Object.entries(asked.inputRequests ?? {});
    const inputResponses: Record<string, unknown> = {};
    for (const [key, input] of entries) {
      const method = typeof input.method === 'string' ? input.method : '';
      const capability = NEEDS[method];
      if (!capability) return failure(request.id, `the upstream asked for input of an unknown kind (${method || 'no method'})`);
      if (options.capabilities?.[capability] === undefined) {
        return failure(request.id, `the upstream needs ${method} to finish ${request.method}, and this client did not declare the '${capability}' capability`);
      }
      const answer = await options.ask(method, input.params);
      if ('error' in answer) return failure(request.id, `the client refused ${method}: ${answer.error.message}`);
      inputResponses[key] = answer.result;
    }
    if (entries.length === 0) await new Promise((resolve) => setTimeout(resolve, STATE_ONLY_PACING_MS));
    const params = { ...request.params, ...(entries.length > 0 && { inputResponses }), ...(asked.requestState !== undefined && { requestState: asked.requestState }) };
    response = await options.send({ ...request, params });
  }
  return response;
}
