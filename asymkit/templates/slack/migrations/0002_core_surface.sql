-- The core Web API surface: token scopes, user profiles and presence, DMs and
-- group DMs, message blocks/attachments/edits/tombstones, read markers and
-- scheduled messages.
--
-- Columns added to existing tables are NULL by default and NULL means "as
-- before" (no blocks, not edited, a channel...). The state fingerprint leaves a
-- NULL in these columns out of a row's digest (manifest fingerprint.optional),
-- so states recorded before this migration keep their fingerprints.

-- NULL: the default scope set of the token's kind; otherwise a comma-separated list.
ALTER TABLE tokens ADD COLUMN scopes text;

ALTER TABLE users
    ADD COLUMN status_text text, ADD COLUMN status_emoji text, ADD COLUMN status_expiration bigint,
    ADD COLUMN phone text, ADD COLUMN pronouns text,
    ADD COLUMN presence text CHECK (presence IN ('auto', 'away'));

-- kind: NULL for a channel, 'im' for a DM (D…), 'mpim' for a group DM (G…).
ALTER TABLE channels ADD COLUMN kind text CHECK (kind IN ('im', 'mpim'));
-- a DM's other user (the first member is the DM's opener)
ALTER TABLE channels ADD COLUMN im_user text REFERENCES users (id);

-- last_read: the ts conversations.mark set; closed: a DM/group DM closed by this member.
ALTER TABLE channel_members ADD COLUMN last_read text, ADD COLUMN closed boolean;

-- blocks/attachments: the JSON arrays given; subtype: Slack's message subtype
-- (me_message, tombstone, thread_broadcast...); edited_by/edited_ts: the last edit;
-- reply_broadcast: a thread reply also shown in the channel.
-- username/icon_emoji/icon_url: a bot's persona for this message; metadata: event metadata.
-- (One statement per table; the columns keep this order.)
ALTER TABLE messages
    ADD COLUMN blocks jsonb, ADD COLUMN attachments jsonb, ADD COLUMN subtype text,
    ADD COLUMN edited_by text, ADD COLUMN edited_ts text, ADD COLUMN reply_broadcast boolean,
    ADD COLUMN username text, ADD COLUMN icon_emoji text, ADD COLUMN icon_url text,
    ADD COLUMN metadata jsonb;
CREATE INDEX messages_user ON messages (user_id);

-- Messages waiting to be posted at post_at (posted on the first read at or after it).
CREATE TABLE scheduled_messages (
    id           text PRIMARY KEY,
    channel_id   text NOT NULL REFERENCES channels (id),
    user_id      text NOT NULL REFERENCES users (id),
    bot_id       text,
    post_at      bigint NOT NULL,
    text         text NOT NULL,
    thread_ts    text,
    reply_broadcast boolean NOT NULL DEFAULT false,
    blocks       jsonb,
    attachments  jsonb,
    created      bigint NOT NULL
);
CREATE INDEX scheduled_messages_due ON scheduled_messages (post_at);
