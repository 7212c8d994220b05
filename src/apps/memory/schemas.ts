/**
 * Input pieces shared by the tools. Every bound comes from LIMITS and every
 * message says what to change, because the assistant reads it as the tool
 * error and retries from it (the SDK prefixes the field path).
 *
 * Every free-text input is built by `text()`, so each gets the same checks,
 * and every check is one the published JSON schema states too (a test lists
 * the tools and compares): the raw string is measured and matched before it is
 * trimmed, so `maxLength` and `pattern` mean for a client what they mean here.
 */
import { z } from 'zod';
import { LIMITS } from './limits.js';
import { PRIORITIES } from './sql.js';

/** Characters as JSON Schema's maxLength (and PostgreSQL's length()) count them: code points, so an emoji is one. */
function characters(value: string, atMost: number): number {
  if (value.length <= atMost) return value.length; // never more code points than UTF-16 units
  let n = 0;
  for (const _ of value) n += 1;
  return n;
}

interface TextOptions {
  /** Appended to the too-long message: what to do instead. */
  hint?: string;
  /** Refuse line breaks and tabs (names and titles). */
  singleLine?: boolean;
  /** Keep surrounding whitespace (content is stored exactly as given). */
  keepWhitespace?: boolean;
}

function text(field: string, max: number, options: TextOptions = {}) {
  const base = z
    .string({ error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a string`) })
    .min(1, { error: `${field} must not be empty`, abort: true })
    .refine((value) => characters(value, max) <= max, { error: `${field} must be at most ${max} characters${options.hint ?? ''}` })
    .meta({ maxLength: max })
    .regex(/\S/, { error: `${field} must not be empty or only whitespace` })
    // PostgreSQL text cannot hold U+0000: refused here, with the fix, instead of failing in the store as if it were ours.
    // Written \x00 (not \u0000) so the published pattern also compiles in RE2 and Python validators.
    .regex(/^[^\x00]*$/, { error: `${field} contains a NUL character (U+0000), which cannot be stored; remove it` });
  const shaped = options.singleLine ? base.regex(/^[^\r\n\t]*$/, { error: `${field} must be a single line without tabs` }) : base;
  return options.keepWhitespace ? shaped : shaped.trim();
}

export const projectName = text('project', LIMITS.projectName, { singleLine: true }).describe(
  'Project name, case-insensitive (e.g. the repository or product name).',
);

export const topic = text('topic', LIMITS.topic, {
  singleLine: true,
  hint: '; use a short title and put details in content',
}).describe('Short, stable title of the context, case-insensitive (e.g. "auth design", "coding conventions").');

export const content = text('content', LIMITS.content, { keepWhitespace: true, hint: '; split it into several topics' }).describe(
  'The full text to keep (markdown welcome). It is stored exactly as given, surrounding whitespace included.',
);

export const query = text('query', LIMITS.query, { hint: '; use the key words only' }).describe(
  'Words to find. Supports "quoted phrases", OR, and -excluded words. Word forms match (lock ~ locking).',
);

export const summary = text('summary', LIMITS.summary, { hint: '; lock long material with lock_context' }).describe(
  'What happened in this conversation: work done, decisions, state left behind.',
);

const tag = text('each tag', LIMITS.tag, { singleLine: true });

export const tags = z
  .array(tag, { error: 'tags must be an array of strings' })
  .max(LIMITS.tags, { error: `at most ${LIMITS.tags} tags` });

export const listItems = (field: string) =>
  z
    .array(text(`each item of ${field}`, LIMITS.listItem), { error: `${field} must be an array of strings` })
    .max(LIMITS.listItems, { error: `${field} may have at most ${LIMITS.listItems} items` });

export const priority = z.enum(PRIORITIES, { error: `priority must be one of ${PRIORITIES.join(', ')}` });

/** Version numbers fit PostgreSQL's integer; anything larger is a mistake, not a version. */
export const version = z
  .number({ error: 'version must be a number' })
  .int({ error: 'version must be a whole number' })
  .min(1, { error: 'versions start at 1' })
  .max(1_000_000_000, { error: 'version is too large' });

export const versionOrAll = z.union([version, z.literal('all')], {
  error: 'version must be a positive whole number or "all"',
});

export function limit(max: number, fallback: number) {
  return z
    .number({ error: 'limit must be a number' })
    .int({ error: 'limit must be a whole number' })
    .min(1, { error: 'limit must be at least 1' })
    .max(max, { error: `limit must be at most ${max}` })
    .default(fallback);
}

/** Tags compare case-insensitively and without duplicates; done here rather than as a zod transform so the published JSON schema stays plain. */
export function normalizeTags(input: readonly string[] | undefined): string[] {
  return [...new Set((input ?? []).map((t) => t.toLowerCase()))];
}
