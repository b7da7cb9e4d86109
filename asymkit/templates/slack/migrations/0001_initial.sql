-- The Slack clone's schema. Ids are Slack-shaped text (T…, U…, B…, C…);
-- generated ids come from one sequence so that the same calls in the same
-- order always produce the same ids.
CREATE SEQUENCE object_seq;

CREATE TABLE workspaces (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    domain      text NOT NULL UNIQUE,
    owner_id    text,
    created     bigint NOT NULL
);

CREATE TABLE accounts (
    id            text PRIMARY KEY,
    email         text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    real_name     text NOT NULL DEFAULT '',
    created       bigint NOT NULL
);

CREATE TABLE users (
    id            text PRIMARY KEY,
    workspace_id  text NOT NULL REFERENCES workspaces (id),
    account_id    text REFERENCES accounts (id),
    name          text NOT NULL,
    real_name     text NOT NULL DEFAULT '',
    display_name  text NOT NULL DEFAULT '',
    email         text,
    title         text NOT NULL DEFAULT '',
    tz            text NOT NULL DEFAULT 'America/Los_Angeles',
    is_bot        boolean NOT NULL DEFAULT false,
    is_admin      boolean NOT NULL DEFAULT false,
    is_owner      boolean NOT NULL DEFAULT false,
    deleted       boolean NOT NULL DEFAULT false,
    created       bigint NOT NULL,
    UNIQUE (workspace_id, name),
    UNIQUE (workspace_id, account_id)
);

CREATE TABLE bots (
    id            text PRIMARY KEY,
    workspace_id  text NOT NULL REFERENCES workspaces (id),
    user_id       text NOT NULL REFERENCES users (id),
    app_id        text NOT NULL,
    name          text NOT NULL
);

CREATE TABLE channels (
    id              text PRIMARY KEY,
    workspace_id    text NOT NULL REFERENCES workspaces (id),
    name            text NOT NULL,
    is_private      boolean NOT NULL DEFAULT false,
    is_general      boolean NOT NULL DEFAULT false,
    is_archived     boolean NOT NULL DEFAULT false,
    creator         text NOT NULL REFERENCES users (id),
    created         bigint NOT NULL,
    topic           text NOT NULL DEFAULT '',
    topic_creator   text NOT NULL DEFAULT '',
    topic_last_set  bigint NOT NULL DEFAULT 0,
    purpose         text NOT NULL DEFAULT '',
    purpose_creator text NOT NULL DEFAULT '',
    purpose_last_set bigint NOT NULL DEFAULT 0,
    UNIQUE (workspace_id, name)
);

CREATE TABLE channel_members (
    channel_id  text NOT NULL REFERENCES channels (id),
    user_id     text NOT NULL REFERENCES users (id),
    joined      bigint NOT NULL,
    PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX channel_members_user ON channel_members (user_id);

-- ts is Slack's "seconds.micros" string, always 10+6 digits, so text order is
-- time order. thread_ts is the parent's ts for replies, NULL otherwise.
CREATE TABLE messages (
    channel_id  text NOT NULL REFERENCES channels (id),
    ts          text NOT NULL,
    user_id     text NOT NULL REFERENCES users (id),
    bot_id      text,
    text        text NOT NULL,
    thread_ts   text,
    PRIMARY KEY (channel_id, ts)
);
CREATE INDEX messages_thread ON messages (channel_id, thread_ts, ts) WHERE thread_ts IS NOT NULL;

-- Tokens are stored as SHA-256 digests, never in the clear.
CREATE TABLE tokens (
    token_hash    text PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('session', 'user', 'bot')),
    workspace_id  text REFERENCES workspaces (id),
    user_id       text REFERENCES users (id),
    account_id    text REFERENCES accounts (id),
    -- a 'user' token with no user_id acts as the workspace's primary owner
    created       bigint NOT NULL
);
