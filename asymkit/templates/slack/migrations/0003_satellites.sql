-- Around the messages: custom emoji, reactions, pins, bookmarks, files (bytes
-- kept here), user groups, and the full-text index search.* uses.
--
-- Times that only order rows are microseconds (reactions, pins) so that two
-- calls in the same second keep their order; the manifest's fingerprint.ignore
-- leaves them out of the state digest.

-- value: an image URL, or 'alias:<name>' for an alias of another emoji.
CREATE TABLE custom_emoji (
    workspace_id  text NOT NULL REFERENCES workspaces (id),
    name          text NOT NULL,
    value         text NOT NULL,
    user_id       text REFERENCES users (id),
    created       bigint NOT NULL,
    PRIMARY KEY (workspace_id, name)
);

CREATE TABLE reactions (
    channel_id  text NOT NULL,
    ts          text NOT NULL,
    name        text NOT NULL,
    user_id     text NOT NULL REFERENCES users (id),
    created     bigint NOT NULL,
    PRIMARY KEY (channel_id, ts, name, user_id),
    FOREIGN KEY (channel_id, ts) REFERENCES messages (channel_id, ts) ON DELETE CASCADE
);
CREATE INDEX reactions_user ON reactions (user_id, created);

CREATE TABLE pins (
    channel_id  text NOT NULL,
    ts          text NOT NULL,
    pinned_by   text NOT NULL REFERENCES users (id),
    created     bigint NOT NULL,
    PRIMARY KEY (channel_id, ts),
    FOREIGN KEY (channel_id, ts) REFERENCES messages (channel_id, ts) ON DELETE CASCADE
);

CREATE TABLE bookmarks (
    id            text PRIMARY KEY,
    channel_id    text NOT NULL REFERENCES channels (id),
    title         text NOT NULL,
    type          text NOT NULL DEFAULT 'link',
    link          text NOT NULL,
    emoji         text,
    created_by    text NOT NULL REFERENCES users (id),
    date_created  bigint NOT NULL,
    date_updated  bigint NOT NULL DEFAULT 0
);
CREATE INDEX bookmarks_channel ON bookmarks (channel_id);

-- A file is 'pending' from files.getUploadURLExternal until its bytes arrive at
-- the upload URL ('uploaded'), then 'complete' after files.completeUploadExternal.
-- upload_key: SHA-256 of the upload URL's secret part, cleared once used.
-- Deleted files keep their row (files.info answers file_deleted), not their bytes.
CREATE TABLE files (
    id            text PRIMARY KEY,
    workspace_id  text NOT NULL REFERENCES workspaces (id),
    user_id       text NOT NULL REFERENCES users (id),
    name          text NOT NULL,
    title         text NOT NULL DEFAULT '',
    mimetype      text NOT NULL,
    filetype      text NOT NULL,
    alt_txt       text,
    length        bigint NOT NULL,
    content       bytea,
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'uploaded', 'complete', 'deleted')),
    upload_key    text,
    created       bigint NOT NULL
);
CREATE INDEX files_user ON files (user_id, created);

-- Where a file was shared: the file_share message that carries it.
CREATE TABLE file_shares (
    file_id     text NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    channel_id  text NOT NULL,
    ts          text NOT NULL,
    PRIMARY KEY (file_id, channel_id, ts),
    FOREIGN KEY (channel_id, ts) REFERENCES messages (channel_id, ts) ON DELETE CASCADE
);
CREATE INDEX file_shares_message ON file_shares (channel_id, ts);

CREATE TABLE usergroups (
    id            text PRIMARY KEY,
    workspace_id  text NOT NULL REFERENCES workspaces (id),
    name          text NOT NULL,
    handle        text NOT NULL,
    description   text NOT NULL DEFAULT '',
    channels      text NOT NULL DEFAULT '',
    created_by    text NOT NULL REFERENCES users (id),
    updated_by    text NOT NULL REFERENCES users (id),
    date_create   bigint NOT NULL,
    date_update   bigint NOT NULL,
    date_delete   bigint NOT NULL DEFAULT 0,
    UNIQUE (workspace_id, name),
    UNIQUE (workspace_id, handle)
);

CREATE TABLE usergroup_members (
    usergroup_id  text NOT NULL REFERENCES usergroups (id),
    user_id       text NOT NULL REFERENCES users (id),
    PRIMARY KEY (usergroup_id, user_id)
);

-- search.messages: words through Postgres full-text search, not a scan. The
-- vector is kept with the row (set by a trigger: the state snapshot cannot
-- restore GENERATED columns) so that ranking a thousand hits reads it instead of
-- parsing each text again. The fingerprint ignores it: it follows from text.
ALTER TABLE messages ADD COLUMN search_vector tsvector;

CREATE FUNCTION messages_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := to_tsvector('english', NEW.text);
    RETURN NEW;
END
$$;

CREATE TRIGGER messages_search_vector BEFORE INSERT OR UPDATE OF text ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_search_vector();

UPDATE messages SET search_vector = to_tsvector('english', text);
CREATE INDEX messages_search ON messages USING gin (search_vector);
