/**
 * Tool output shapes: snake_case like the inputs, and only what an assistant
 * uses, since every field costs context tokens.
 */
import type { Handover } from '../repo/handovers.js';
import type { TopicSummary } from '../repo/listing.js';
import type { Project } from '../sql.js';

export function projectOut(project: Project): Record<string, unknown> {
  return { name: project.name, created_at: project.createdAt, updated_at: project.updatedAt };
}

export function countsOf(project: Project): Record<string, number> {
  return {
    contexts: project.topicsActive,
    archived_contexts: project.topicsArchived,
    versions: project.versionsTotal,
    archived_versions: project.versionsArchived,
    handovers: project.handovers,
  };
}

export function handoverOut(handover: Handover): Record<string, unknown> {
  return {
    summary: handover.summary,
    next_steps: handover.nextSteps,
    open_questions: handover.openQuestions,
    ...(handover.client ? { from_client: handover.client } : {}),
    created_at: handover.createdAt,
  };
}

/** A topic with either its (possibly cut) content or a one-line preview. */
export function topicOut(topic: TopicSummary, as: 'content' | 'preview'): Record<string, unknown> {
  const text = as === 'preview' ? oneLine(topic.content) : topic.content;
  return {
    topic: topic.topic,
    version: topic.version,
    priority: topic.priority,
    ...(topic.tags.length > 0 ? { tags: topic.tags } : {}),
    updated_at: topic.updatedAt,
    [as]: topic.truncated ? `${text}…` : text,
    ...(as === 'content' && topic.truncated ? { truncated: true } : {}),
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
