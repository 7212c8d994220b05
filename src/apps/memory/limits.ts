/**
 * Every bound the memory app enforces, in one place so the input schemas, the
 * docs and the tests agree. Sizes are in characters (what an assistant counts),
 * not bytes.
 */
export const LIMITS = {
  projectName: 100,
  topic: 200,
  /** ~25k tokens: large enough for a design doc, small enough that ts_headline stays cheap. */
  content: 100_000,
  tags: 20,
  tag: 50,
  summary: 20_000,
  listItems: 50,
  listItem: 2_000,
  query: 500,
  searchDefault: 10,
  searchMax: 50,
  listDefault: 50,
  listMax: 200,
  projectsMax: 200,
} as const;

/** What wake_up returns: bounded, so its cost never grows with the project. */
export const WAKE_UP = {
  /** always_check contexts returned with their content; more are reported, not returned. */
  alwaysCheck: 20,
  /** Content of each always_check context is cut here; recall_context gives the rest. */
  alwaysCheckChars: 2_000,
  recent: 10,
  previewChars: 160,
} as const;

/** Versions listed by recall_context beside the content (newest first). */
export const RECALL_VERSIONS = 20;

/** Projects selected when nobody chose one yet. */
export const DEFAULT_PROJECT = 'default';
