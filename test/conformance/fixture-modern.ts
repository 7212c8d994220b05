/**
 * Fixture surface for 2026-07-28 (stateless) requests: multi-round-trip
 * tools and a prompt that answer `input_required` (SEP-2322) instead of
 * pushing requests to the client, and the diagnostic tools the
 * server-stateless scenario probes (SEP-2575). The names and round-by-round
 * behaviour are the ones the conformance scenarios call.
 *
 * requestState is sealed with the SDK's HMAC codec under a key that does not
 * change between processes: a modern client may send round 2 to another
 * instance, or to this one after a restart, and the state must still verify.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  createRequestStateCodec,
  fromJsonSchema,
  inputRequired,
  inputResponse,
  ProtocolError,
  ProtocolErrorCode,
  type ClientCapabilities,
  type InputRequest,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { ChangeNotifier } from '../../src/runtime/app.js';

/** What a fixture tool seals into requestState between rounds. */
interface FlowState {
  tool: string;
  round: number;
  name?: string;
}

// Fixture-only key: a real app reads its key from configuration. It must be shared by every instance (see above).
const codec = createRequestStateCodec<FlowState>({ key: 'durable-mcp conformance fixture requestState key (not a secret)', ttlSeconds: 600 });

/**
 * The round's verified state, undefined when the request carried none. The SDK hook (requestStateHook) has
 * already refused tampered or expired state; this also checks it was minted for this tool.
 */
async function verifiedState(ctx: ServerContext, tool: string): Promise<FlowState | undefined> {
  const raw = ctx.mcpReq.requestState<unknown>();
  if (raw === undefined) return undefined;
  try {
    // With the SDK hook installed the accessor may already hold the verified value; verify raw strings ourselves.
    const state = typeof raw === 'string' ? await codec.verify(raw, ctx) : (raw as FlowState);
    if (state.tool !== tool) throw new Error('minted for another tool');
    return state;
  } catch {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'requestState integrity check failed', { reason: 'invalid_request_state' });
  }
}

const mint = (state: FlowState) => codec.mint(state);

/** The SDK's requestState integrity hook: tampered or expired state is refused with -32602 before any tool runs. */
export const requestStateHook = { verify: (state: string, ctx: ServerContext) => codec.verify(state, ctx) };

function clientCapabilities(ctx: ServerContext): ClientCapabilities | undefined {
  // The SDK types the lifted envelope as an empty record; its keys are the reserved _meta names.
  return (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined;
}

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

const askName = (message = 'What is your name?'): InputRequest =>
  inputRequired.elicit({ message, requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } });

/** The accepted content field `field` of the elicitation answer under `key`, if it is a string. */
function elicited(ctx: ServerContext, key: string, field: string): string | undefined {
  const view = inputResponse(ctx.mcpReq.inputResponses, key);
  if (view.kind !== 'elicit' || view.action !== 'accept') return undefined;
  const value = view.content?.[field];
  return typeof value === 'string' ? value : undefined;
}

function sampledText(ctx: ServerContext, key: string): string | undefined {
  const view = inputResponse(ctx.mcpReq.inputResponses, key);
  if (view.kind !== 'sampling') return undefined;
  const blocks = Array.isArray(view.result.content) ? view.result.content : [view.result.content];
  return blocks.map((block) => (block.type === 'text' ? block.text : `[${block.type}]`)).join(' ');
}

function rootUris(ctx: ServerContext, key: string): string[] | undefined {
  const view = inputResponse(ctx.mcpReq.inputResponses, key);
  return view.kind === 'roots' ? view.roots.map((root) => root.uri) : undefined;
}

/** SEP-2243: `x-mcp-header` mirrors an argument into an `Mcp-Param-*` header, which the SDK validates against the body. */
const HEADER_PARAM_SCHEMA = {
  type: 'object',
  properties: { region: { type: 'string', description: 'Deployment region', 'x-mcp-header': 'Region' } },
  required: ['region'],
};

export function registerModernTools(server: McpServer, changes: ChangeNotifier): void {
  server.registerTool('test_input_required_result_elicitation', { description: 'MRTR: asks for a name by elicitation.' }, async (ctx) => {
    const name = elicited(ctx, 'user_name', 'name');
    // A missing, wrong or malformed answer re-requests the input rather than failing (SEP-2322 SHOULD).
    return name === undefined ? inputRequired({ inputRequests: { user_name: askName() } }) : text(`Hello, ${name}!`);
  });

  server.registerTool('test_input_required_result_sampling', { description: 'MRTR: asks the client for a sampling result.' }, async (ctx) => {
    const answer = sampledText(ctx, 'capital_question');
    if (answer !== undefined) return text(`Sampling response: ${answer}`);
    return inputRequired({
      inputRequests: {
        capital_question: inputRequired.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
          maxTokens: 100,
        }),
      },
    });
  });

  server.registerTool('test_input_required_result_list_roots', { description: "MRTR: asks for the client's roots." }, async (ctx) => {
    const roots = rootUris(ctx, 'client_roots');
    if (roots !== undefined) return text(`Client roots: ${roots.join(', ') || '(none)'}`);
    return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
  });

  const confirm = (): InputRequest =>
    inputRequired.elicit({ message: 'Please confirm', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } });

  server.registerTool('test_input_required_result_request_state', { description: 'MRTR: round-trips requestState.' }, async (ctx) => {
    const tool = 'test_input_required_result_request_state';
    const state = await verifiedState(ctx, tool);
    if (state && inputResponse(ctx.mcpReq.inputResponses, 'confirm').kind === 'elicit') return text('state-ok: requestState verified');
    return inputRequired({ inputRequests: { confirm: confirm() }, requestState: await mint({ tool, round: 1 }) });
  });

  server.registerTool('test_input_required_result_tampered_state', { description: 'MRTR: rejects requestState that fails its HMAC.' }, async (ctx) => {
    const tool = 'test_input_required_result_tampered_state';
    const state = await verifiedState(ctx, tool);
    if (state && inputResponse(ctx.mcpReq.inputResponses, 'confirm').kind === 'elicit') return text('integrity-ok: state verified');
    return inputRequired({ inputRequests: { confirm: confirm() }, requestState: await mint({ tool, round: 1 }) });
  });

  server.registerTool('test_input_required_result_multiple_inputs', { description: 'MRTR: elicitation, sampling and roots in one round.' }, async (ctx) => {
    const tool = 'test_input_required_result_multiple_inputs';
    const state = await verifiedState(ctx, tool);
    const name = elicited(ctx, 'user_name', 'name');
    const greeting = sampledText(ctx, 'greeting');
    const roots = rootUris(ctx, 'client_roots');
    if (state && name !== undefined && greeting !== undefined && roots !== undefined) {
      return text(`All inputs received: name=${name}, greeting=${greeting}, roots=${roots.join(', ')}`);
    }
    return inputRequired({
      inputRequests: {
        user_name: askName(),
        greeting: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }),
        client_roots: inputRequired.listRoots(),
      },
      requestState: await mint({ tool, round: 1 }),
    });
  });

  server.registerTool('test_input_required_result_multi_round', { description: 'MRTR: two rounds of elicitation with evolving state.' }, async (ctx) => {
    const tool = 'test_input_required_result_multi_round';
    const state = await verifiedState(ctx, tool);
    const askColor = inputRequired.elicit({
      message: 'Step 2: What is your favorite color?',
      requestedSchema: { type: 'object', properties: { color: { type: 'string' } }, required: ['color'] },
    });
    if (state?.round === 1) {
      const name = elicited(ctx, 'step1', 'name');
      if (name !== undefined) return inputRequired({ inputRequests: { step2: askColor }, requestState: await mint({ tool, round: 2, name }) });
    }
    if (state?.round === 2) {
      const color = elicited(ctx, 'step2', 'color');
      if (color !== undefined) return text(`Multi-round complete for ${state.name ?? 'friend'} who likes ${color}`);
      return inputRequired({ inputRequests: { step2: askColor }, requestState: await mint(state) });
    }
    return inputRequired({ inputRequests: { step1: askName('Step 1: What is your name?') }, requestState: await mint({ tool, round: 1 }) });
  });

  server.registerTool('test_input_required_result_capabilities', { description: 'MRTR: asks only for what the client declared it supports.' }, async (ctx) => {
    if (ctx.mcpReq.inputResponses && Object.keys(ctx.mcpReq.inputResponses).length > 0) {
      return text(`capabilities-ok: received ${Object.keys(ctx.mcpReq.inputResponses).join(',')}`);
    }
    const caps = clientCapabilities(ctx);
    const inputRequests: Record<string, InputRequest> = {};
    if (caps?.elicitation) {
      inputRequests.elicit_input = inputRequired.elicit({
        message: 'Elicitation input',
        requestedSchema: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] },
      });
    }
    if (caps?.sampling) {
      inputRequests.sample_input = inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Sample request' } }], maxTokens: 50 });
    }
    return Object.keys(inputRequests).length === 0 ? text('No supported capabilities declared') : inputRequired({ inputRequests });
  });

  server.registerTool('test_missing_capability', { description: 'Needs the sampling capability: asks for a sampling result.' }, async (ctx) => {
    const answer = sampledText(ctx, 'sample');
    if (answer !== undefined) return text(`Sampled: ${answer}`);
    // Returned, not thrown: McpServer turns a thrown error into an isError result, while the SDK's
    // input_required seam answers -32021 (HTTP 400) itself when the request did not declare sampling.
    return inputRequired({
      inputRequests: { sample: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }], maxTokens: 20 }) },
    });
  });

  server.registerTool(
    'test_header_param',
    {
      description: 'Echoes a region that is also carried in the Mcp-Param-Region header (SEP-2243).',
      inputSchema: fromJsonSchema<{ region: string }>(HEADER_PARAM_SCHEMA),
    },
    async ({ region }) => text(`region=${region}`),
  );

  server.registerTool('test_streaming_elicitation', { description: 'Streams progress, then asks for input as an input_required result.' }, async (ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    if (progressToken !== undefined) {
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: 50, total: 100 } });
    }
    const name = elicited(ctx, 'user_name', 'name');
    return name === undefined ? inputRequired({ inputRequests: { user_name: askName() } }) : text(`Streaming complete for ${name}`);
  });

  server.registerTool('test_logging_tool', { description: 'Logs at info; the SDK must drop it unless the request set a log level.' }, async (ctx) => {
    await ctx.mcpReq.log('info', 'Diagnostic trace logging activated');
    return text('Logging evaluated');
  });

  // ctx.changes reaches every open subscriptions/listen stream on every instance; a per-request
  // McpServer's own sendToolListChanged() has no stream to send on.
  server.registerTool('test_trigger_tool_change', { description: 'Announces a tool list change to listen streams.' }, async () => {
    changes.toolsChanged();
    return text('Mutation triggered');
  });
  server.registerTool('test_trigger_prompt_change', { description: 'Announces a prompt list change to listen streams.' }, async () => {
    changes.promptsChanged();
    return text('Mutation triggered');
  });
}

export function registerModernPrompts(server: McpServer): void {
  server.registerPrompt('test_input_required_result_prompt', { description: 'MRTR: a prompt that needs elicited context.' }, async (ctx) => {
    const context = elicited(ctx, 'user_context', 'context');
    if (context !== undefined) return { messages: [{ role: 'user', content: { type: 'text', text: `Prompt with context: ${context}` } }] };
    return inputRequired({
      inputRequests: {
        user_context: inputRequired.elicit({
          message: 'What context should the prompt use?',
          requestedSchema: { type: 'object', properties: { context: { type: 'string' } }, required: ['context'] },
        }),
      },
    });
  });
}
