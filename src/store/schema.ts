/**
 * The runtime's own tables (namespace 'durable-mcp'). Append new versions;
 * never edit an applied one.
 */
import type { Migration } from './records.js';

export const CORE_NAMESPACE = 'durable-mcp';

export const CORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sessions, events, state',
    sql: `
CREATE TABLE durable_mcp_sessions (
  id text PRIMARY KEY,
  principal text NOT NULL,
  protocol_version text NOT NULL,
  initialize_params jsonb NOT NULL,
  log_level text,
  subscriptions text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  last_active_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  terminated_at timestamptz,
  deployment_id text NOT NULL,
  meta jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX durable_mcp_sessions_expires_at ON durable_mcp_sessions (expires_at);
-- sweep also looks for long-terminated sessions; only terminated rows belong in this index.
CREATE INDEX durable_mcp_sessions_terminated_at ON durable_mcp_sessions (terminated_at)
  WHERE terminated_at IS NOT NULL;

-- No foreign key to sessions: append is the hottest write, and sweep deletes a session's events itself.
CREATE TABLE durable_mcp_events (
  session_id text NOT NULL,
  stream_id text NOT NULL,
  seq bigint NOT NULL,
  message jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, stream_id, seq)
);
CREATE INDEX durable_mcp_events_created_at ON durable_mcp_events (created_at);

-- "C" collation: byte order, so list() orders keys the same on every server whatever its locale.
CREATE TABLE durable_mcp_state (
  scope text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
`,
  },
  {
    version: 2,
    name: 'mailbox for cross-instance messages too large for NOTIFY',
    sql: `
-- PostgreSQL NOTIFY payloads stop at 8000 bytes; a larger cluster message waits here for its reader.
CREATE TABLE durable_mcp_mailbox (
  id bigserial PRIMARY KEY,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX durable_mcp_mailbox_created_at ON durable_mcp_mailbox (created_at);
`,
  },
  {
    version: 3,
    name: 'the endpoint each session belongs to',
    sql: `
-- '' is a server's one endpoint (/mcp); a name is one of several (the gateway's /mcp/<name>).
ALTER TABLE durable_mcp_sessions ADD COLUMN route text NOT NULL DEFAULT '';
`,
  },
];
