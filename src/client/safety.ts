/**
 * Which requests may be sent again when we cannot tell whether the first copy
 * ran. Only two kinds qualify: methods that change nothing (or set a state
 * that repeating leaves the same), and tools whose server declares them
 * `readOnlyHint` or `idempotentHint`. Annotations are hints from the server
 * about its own tools; trusting them for retries is the server's contract with
 * its clients, not a security decision.
 */
import type { Tool } from '@modelcontextprotocol/client';

/** Methods whose repetition has no effect beyond the first. */
const REPEATABLE_METHODS: ReadonlySet<string> = new Set([
  'ping',
  'server/discover',
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'tasks/get',
  'tasks/list',
  'tasks/result',
  // These set state; sending the same value twice leaves it as once.
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
]);

export interface RetryCandidate {
  method: string;
  params?: Record<string, unknown>;
  /** For `tools/call`: the tool's definition as last listed, when known. */
  tool?: Tool;
}

/** The caller's override: true/false decides, undefined falls back to the rules here. */
export type RetrySafetyPolicy = (candidate: RetryCandidate) => boolean | undefined;

export function isRepeatableMethod(method: string): boolean {
  return REPEATABLE_METHODS.has(method);
}

export function isRepeatableTool(tool: Tool | undefined): boolean {
  const hints = tool?.annotations;
  return hints?.readOnlyHint === true || hints?.idempotentHint === true;
}

export function isSafeToRepeat(candidate: RetryCandidate, policy?: RetrySafetyPolicy): boolean {
  const verdict = policy?.(candidate);
  if (verdict !== undefined) return verdict;
  if (candidate.method === 'tools/call') return isRepeatableTool(candidate.tool);
  return isRepeatableMethod(candidate.method);
}

/** The tool name of a `tools/call`, or undefined for anything else. */
export function toolNameOf(method: string, params: Record<string, unknown> | undefined): string | undefined {
  if (method !== 'tools/call') return undefined;
  const name = params?.name;
  return typeof name === 'string' ? name : undefined;
}
