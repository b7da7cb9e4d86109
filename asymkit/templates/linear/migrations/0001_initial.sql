-- The Linear clone's state. Ids are Linear-style UUID strings kept as text, so an id of
-- the wrong shape is simply "not found" (as Linear answers) rather than a cast error.

CREATE TABLE organizations (
    id text PRIMARY KEY,
    name text NOT NULL,
    url_key text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id text PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organizations (id),
    name text NOT NULL,
    display_name text NOT NULL,
    email text NOT NULL UNIQUE,
    title text,
    description text,
    timezone text,
    admin boolean NOT NULL DEFAULT false,
    owner boolean NOT NULL DEFAULT false,
    guest boolean NOT NULL DEFAULT false,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz
);
CREATE UNIQUE INDEX users_display_name ON users (lower(display_name));

-- Personal API keys (lin_api_...) and OAuth tokens (lin_oauth_...), stored hashed.
CREATE TABLE api_keys (
    key_hash text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('api_key', 'oauth')),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE teams (
    id text PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organizations (id),
    key text NOT NULL UNIQUE,
    name text NOT NULL,
    description text,
    color text,
    icon text,
    private boolean NOT NULL DEFAULT false,
    timezone text NOT NULL DEFAULT 'America/Los_Angeles',
    cycles_enabled boolean NOT NULL DEFAULT false,
    triage_enabled boolean NOT NULL DEFAULT false,
    last_number integer NOT NULL DEFAULT 0,  -- the last issue number given (KEY-N)
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz
);

CREATE TABLE team_members (
    team_id text NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE workflow_states (
    id text PRIMARY KEY,
    team_id text NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name text NOT NULL,
    type text NOT NULL
        CHECK (type IN ('triage', 'backlog', 'unstarted', 'started', 'completed', 'canceled')),
    color text NOT NULL DEFAULT '#bec2c8',
    position double precision NOT NULL DEFAULT 0,
    description text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz
);
CREATE INDEX workflow_states_team ON workflow_states (team_id);

CREATE TABLE issue_labels (
    id text PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organizations (id),
    team_id text REFERENCES teams (id) ON DELETE CASCADE,  -- NULL: a workspace label
    name text NOT NULL,
    color text NOT NULL DEFAULT '#bec2c8',
    description text,
    is_group boolean NOT NULL DEFAULT false,
    parent_id text REFERENCES issue_labels (id),
    creator_id text REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz
);

CREATE TABLE projects (
    id text PRIMARY KEY,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    content text,
    color text NOT NULL DEFAULT '#bec2c8',
    icon text,
    state text NOT NULL DEFAULT 'planned'
        CHECK (state IN ('backlog', 'planned', 'started', 'paused', 'completed', 'canceled')),
    priority integer NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 4),
    lead_id text REFERENCES users (id),
    creator_id text REFERENCES users (id),
    start_date date,
    target_date date,
    slug_id text NOT NULL UNIQUE,
    sort_order double precision NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    completed_at timestamptz,
    canceled_at timestamptz,
    archived_at timestamptz
);

CREATE TABLE project_teams (
    project_id text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    team_id text NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, team_id)
);

CREATE TABLE project_members (
    project_id text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, user_id)
);

CREATE TABLE cycles (
    id text PRIMARY KEY,
    team_id text NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    number integer NOT NULL,
    name text,
    description text,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    completed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    UNIQUE (team_id, number),
    CHECK (ends_at > starts_at)
);

CREATE TABLE issues (
    id text PRIMARY KEY,
    team_id text NOT NULL REFERENCES teams (id),
    number integer NOT NULL,
    title text NOT NULL,
    description text,
    state_id text NOT NULL REFERENCES workflow_states (id),
    assignee_id text REFERENCES users (id),
    creator_id text REFERENCES users (id),
    priority integer NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 4),
    estimate double precision,
    project_id text REFERENCES projects (id) ON DELETE SET NULL,
    cycle_id text REFERENCES cycles (id) ON DELETE SET NULL,
    parent_id text REFERENCES issues (id) ON DELETE SET NULL,
    due_date date,
    sort_order double precision NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    completed_at timestamptz,
    canceled_at timestamptz,
    archived_at timestamptz,
    trashed boolean NOT NULL DEFAULT false,  -- issueDelete moves an issue to the trash
    UNIQUE (team_id, number)
);
CREATE INDEX issues_state ON issues (state_id);
CREATE INDEX issues_assignee ON issues (assignee_id);
CREATE INDEX issues_parent ON issues (parent_id);
CREATE INDEX issues_created ON issues (created_at, id);

CREATE TABLE issue_label_links (
    issue_id text NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    label_id text NOT NULL REFERENCES issue_labels (id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, label_id)
);
CREATE INDEX issue_label_links_label ON issue_label_links (label_id);

CREATE TABLE comments (
    id text PRIMARY KEY,
    issue_id text NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_id text REFERENCES users (id),
    parent_id text REFERENCES comments (id) ON DELETE CASCADE,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    edited_at timestamptz,
    archived_at timestamptz
);
CREATE INDEX comments_issue ON comments (issue_id);

CREATE TABLE reactions (
    id text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users (id),
    emoji text NOT NULL,
    issue_id text REFERENCES issues (id) ON DELETE CASCADE,
    comment_id text REFERENCES comments (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((issue_id IS NULL) <> (comment_id IS NULL))
);

-- lastSyncId of mutation payloads.
CREATE SEQUENCE sync_seq;
