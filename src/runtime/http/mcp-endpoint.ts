import { isJsonContentType, isLegacyRequest, PROTOCOL_VERSION_META_KEY, readRequestBody } from '@modelcontextprotocol/server';
import { failureResponse, wireError } from '../errors.js';
import type { InFlight } from '../in-flight.js';
import type { ModernHandler } from '../modern/modern-handler.js';
import type { Caller, LegacyService } from '../sessions/serve.js';
import { onBodyDone } from '../web/body-done.js';
import { rpcMethodOf, type RequestFields } from './request-log.js';

export interface McpEndpointOptions {
  legacy: LegacyService;
  modern: ModernHandler;
  maxBodyBytes: number;
  /** Every exchange is counted here until its answer is complete; the drain waits for the count. */
  inFlight: InFlight;
  /** A failure inside durable-mcp (logged; the client gets failureResponse's answer). */
  onError: (error: unknown) => void;
}

export type McpEndpoint = (request: Request, caller: Caller, fields: RequestFields) => Promise<Response>;

/**
 * `/mcp`: one endpoint, two eras. The HTTP part only: method, content type,
 * the body read and parsed once, the era decided from it (the SDK's own
 * classifier, after a fast path for plain legacy messages), then the legacy
 * service (durable sessions) or the modern handler, both given the parsed
 * body instead of re-reading it.
 */
export function createMcpEndpoint(options: McpEndpointOptions): McpEndpoint {
  const { legacy, modern, maxBodyBytes, inFlight } = options;

  /**
   * Counts an exchange as in flight until its answer is complete. A modern
   * answer streamed over SSE is work until its body ends. A legacy answer is
   * counted until the session took it over: from then on its JSON-RPC
   * requests are counted by the session itself until their responses are
   * sent, which also covers a client that went away (and spares a stream
   * wrapper per call on the hot path).
   */
  const counted = async (work: () => Promise<Response>, streamsAreWork: boolean): Promise<Response> => {
    const leave = inFlight.enter();
    let response: Response;
    try {
      response = await work();
    } catch (error) {
      leave();
      options.onError(error);
      return failureResponse(error);
    }
    if (!streamsAreWork || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      leave();
      return response;
    }
    return onBodyDone(response, leave);
  };

  return async (request, caller, fields) => {
    const method = request.method;
    if (method === 'GET' || method === 'DELETE') {
      fields.era = 'legacy';
      // A standalone GET stream is not work to wait for either: the drain closes it and the client reconnects elsewhere.
      return counted(() => legacy.serve(request, undefined, caller, fields), false);
    }
    if (method !== 'POST') return wireError('METHOD_NOT_ALLOWED', { headers: { allow: 'GET, POST, DELETE' } });
    if (!isJsonContentType(request.headers.get('content-type'))) return wireError('UNSUPPORTED_MEDIA_TYPE');

    let text: string;
    try {
      const read = await readBody(request, maxBodyBytes);
      if (read.tooLarge) return wireError('BODY_TOO_LARGE', { message: `Payload too large: request bodies are limited to ${maxBodyBytes} bytes` });
      text = read.text;
    } catch {
      return wireError('INVALID_REQUEST', { message: 'Invalid Request: the request body could not be read' });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return wireError('PARSE_ERROR');
    }
    if (typeof body !== 'object' || body === null) {
      return wireError('INVALID_REQUEST', { message: 'Invalid Request: the body must be a JSON-RPC message object' });
    }
    fields.rpcMethod = rpcMethodOf(body);
    if (isPlainLegacy(request, body) || (await isLegacyRequest(request, body, { maxRequestBodySize: maxBodyBytes }))) {
      fields.era = 'legacy';
      return counted(() => legacy.serve(request, body, caller, fields), false);
    }
    fields.era = 'modern';
    return counted(() => modern.fetch(request, body, caller.authInfo, caller.route), true);
  };
}

/**
 * The body, within the limit. With a declared Content-Length (what clients
 * send) the length is checked up front and the body read as text: the HTTP
 * parser frames the body by that length, and the Node adapter's lightweight
 * Request then reads it without building a Web stream, an AbortController and
 * a full Request per call. A chunked body is read as a stream and cut at the
 * limit (the SDK's reader).
 */
async function readBody(request: Request, maxBytes: number): Promise<{ tooLarge: true } | { tooLarge: false; text: string }> {
  const declared = request.headers.get('content-length');
  if (declared === null || !/^\d{1,15}$/.test(declared)) return readRequestBody(request, maxBytes);
  if (Number(declared) > maxBytes) return { tooLarge: true };
  return { tooLarge: false, text: await request.text() };
}

/**
 * The common case, decided without the SDK's classifier (which tries the
 * JSON-RPC shapes one by one with zod, failed parses included, on every
 * request): one well-formed JSON-RPC request or notification that makes no
 * 2026-07-28 envelope claim and names no modern version in its header is
 * legacy. Anything else, the SDK decides. test/runtime/sdk-contract.test.ts
 * checks that the SDK agrees wherever this says yes.
 */
export function isPlainLegacy(request: Request, body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { jsonrpc, method, id, params } = body as { jsonrpc?: unknown; method?: unknown; id?: unknown; params?: unknown };
  if (jsonrpc !== '2.0' || typeof method !== 'string') return false;
  if (id !== undefined && typeof id !== 'string' && !Number.isSafeInteger(id)) return false;
  if (params !== undefined) {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) return false;
    const meta = (params as { _meta?: unknown })._meta;
    if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta) || PROTOCOL_VERSION_META_KEY in meta)) return false;
  }
  const version = request.headers.get('mcp-protocol-version');
  return version === null || version.trim() < FIRST_MODERN_VERSION;
}

/** The first protocol revision of the modern (stateless, envelope-carrying) era. */
const FIRST_MODERN_VERSION = '2026-07-28';
