/**
 * Input pieces shared by the tools. Every bound comes from LIMITS and every
 * message says what to change, because the assistant reads it as the tool
 * error and retries from it (the SDK prefixes the field path).
 */
import { z } from 'zod';
import { LIMITS } from './limits.js';
import { PRIORITIES } from './sql.js';

function text(field: string, max: number, hint = '') {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a string`) })
    .trim()
    .min(1, { error: `${field} must not be empty` })
    .max(max, { error: `${field} must be at most ${max} characters${hint}` });
}

function singleLine(field: string, max: number, hint = '') {
  return text(field, max, hint).regex(/^[^\r\n\t]*$/, { error: `${field} must be a single line without tabs` });
}

export const projectName = singleLine('project', LIMITS.projectName).describe(
  'Project name, case-insensitive (e.g. the repository or product name).',
);

export const topic = singleLine('topic', LIMITS.topic, '; use a short title and put details in content').describe(
  'Short, stable title of the context, case-insensitive (e.g. "auth design", "coding conventions").',
);

/** Not trimmed: content is stored exactly as given, whitespace included. */
export const content = z
  .string({ error: (issue) => (issue.input === undefined ? 'content is required' : 'content must be a string') })
  .max(LIMITS.content, { error: `content must be at most ${LIMITS.content} characters; split it into several topics` })
  .refine((value) => value.trim().length > 0, { error: 'content must not be empty' })
  .describe(
  'The full text to keep (markdown welcome). It is stored exactly as given.',
);

const tag = singleLine('each tag', LIMITS.tag);

export const tags = z
  .array(tag, { error: 'tags must be an array of strings' })
  .max(LIMITS.tags, { error: `at most ${LIMITS.tags} tags` });

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

export const listItems = (field: string) =>
  z
    .array(text(`each item of ${field}`, LIMITS.listItem), { error: `${field} must be an array of strings` })
    .max(LIMITS.listItems, { error: `${field} may have at most ${LIMITS.listItems} items` });
