/**
 * The memory app's own tables, applied by the runtime under the `memory`
 * namespace. The same SQL runs on PGlite and PostgreSQL (no extensions).
 *
 * Shape, and why:
 * - `memory_contexts` holds one immutable row per version; `memory_topics` one
 *   row per topic with what is current, so wake_up, recall and list are index
 *   lookups on a small row instead of "latest version per topic" scans.
 * - Counters on `memory_projects` are maintained in the transaction of every
 *   write, so wake_up reports counts without counting rows.
 * - `change_seq` (one global sequence) orders "recently changed" and serves as
 *   an exact keyset cursor; timestamps would lose microseconds through JS Dates.
 * - Every row carries `principal`; every query filters by it, even where the
 *   project id already implies it, so one forgotten join can never leak.
 * - The search vector is computed on insert (rows never change content) and
 *   indexed only for current versions: search answers "what do we know now".
 *   A second partial index orders current versions by recency, which search
 *   uses to bound its work for words that occur almost everywhere.
 * - `last_unlocked_at` names the batch the latest unlock archived (one
 *   transaction, one now()), so restore_context can undo exactly that batch,
 *   once: it is cleared by the restore, which keeps restore idempotent.
 */
import type { DurableApp } from '../../index.js';

type Migration = NonNullable<DurableApp['migrations']>[number];

const PRIORITIES = `'always_check', 'important', 'reference'`;

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'projects, topics, contexts, handovers, selections',
    sql: `
CREATE SEQUENCE memory_change_seq;

CREATE TABLE memory_projects (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  principal text NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  topics_active integer NOT NULL DEFAULT 0,
  topics_archived integer NOT NULL DEFAULT 0,
  versions_total integer NOT NULL DEFAULT 0,
  versions_archived integer NOT NULL DEFAULT 0,
  handovers integer NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX memory_projects_principal_name ON memory_projects (principal, lower(name));

CREATE TABLE memory_topics (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  principal text NOT NULL,
  project_id bigint NOT NULL REFERENCES memory_projects (id),
  topic text NOT NULL,
  latest_version integer NOT NULL DEFAULT 0,
  current_version integer,
  priority text NOT NULL DEFAULT 'reference' CHECK (priority IN (${PRIORITIES})),
  tags text[] NOT NULL DEFAULT '{}',
  last_unlocked_at timestamptz,
  change_seq bigint NOT NULL DEFAULT nextval('memory_change_seq'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX memory_topics_project_topic ON memory_topics (project_id, lower(topic));
CREATE INDEX memory_topics_active_recent ON memory_topics (project_id, change_seq DESC)
  WHERE current_version IS NOT NULL;
CREATE INDEX memory_topics_active_priority ON memory_topics (project_id, priority, change_seq DESC)
  WHERE current_version IS NOT NULL;
CREATE INDEX memory_topics_archived_recent ON memory_topics (project_id, change_seq DESC)
  WHERE current_version IS NULL;

CREATE TABLE memory_contexts (
  topic_id bigint NOT NULL REFERENCES memory_topics (id),
  version integer NOT NULL,
  principal text NOT NULL,
  project_id bigint NOT NULL,
  topic text NOT NULL,
  content text NOT NULL,
  tags text[] NOT NULL DEFAULT '{}',
  priority text NOT NULL CHECK (priority IN (${PRIORITIES})),
  created_at timestamptz NOT NULL DEFAULT now(),
  archived_at timestamptz,
  is_current boolean NOT NULL DEFAULT false,
  search tsvector NOT NULL,
  PRIMARY KEY (topic_id, version)
);
CREATE INDEX memory_contexts_search ON memory_contexts USING gin (search) WHERE is_current;
CREATE INDEX memory_contexts_current_recent ON memory_contexts (project_id, created_at DESC) WHERE is_current;

CREATE TABLE memory_handovers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  principal text NOT NULL,
  project_id bigint NOT NULL REFERENCES memory_projects (id),
  summary text NOT NULL,
  next_steps text[] NOT NULL DEFAULT '{}',
  open_questions text[] NOT NULL DEFAULT '{}',
  client_name text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX memory_handovers_project_recent ON memory_handovers (project_id, id DESC);

CREATE TABLE memory_selections (
  principal text NOT NULL,
  client_name text NOT NULL,
  project_id bigint NOT NULL REFERENCES memory_projects (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, client_name)
);
`,
  },
];
