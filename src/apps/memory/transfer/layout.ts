/**
 * Where things go inside an export, and how a handover reads as Markdown.
 * File names are slugs made unique per folder; the manifest maps them back to
 * the exact names, so a name that slugs badly loses nothing.
 */
import type { Handover } from '../repo/handovers.js';

/** Lowercase letters, digits and dashes, at most 60 characters; never empty, never a dot name. */
export function slug(name: string): string {
  const cut = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return cut || 'untitled';
}

/** Hands out unique slugs within one folder: "notes", "notes-2", ... */
export class SlugSet {
  readonly #used = new Set<string>();

  take(name: string): string {
    const base = slug(name);
    let candidate = base;
    for (let n = 2; this.#used.has(candidate); n += 1) candidate = `${base}-${n}`;
    this.#used.add(candidate);
    return candidate;
  }
}

export function handoverMarkdown(h: Pick<Handover, 'summary' | 'nextSteps' | 'openQuestions' | 'client'> & { createdAt: string }): string {
  const lines = [`# Handover of ${h.createdAt}`, ''];
  if (h.client) lines.push(`From client: ${h.client}`, '');
  lines.push(h.summary, '');
  if (h.nextSteps.length > 0) lines.push('## Next steps', '', ...h.nextSteps.map((s) => `- ${s}`), '');
  if (h.openQuestions.length > 0) lines.push('## Open questions', '', ...h.openQuestions.map((q) => `- ${q}`), '');
  return lines.join('\n');
}
