-- Events (issue 13): app-level tokens for Socket Mode, and every event the Web API raised.

ALTER TABLE tokens DROP CONSTRAINT tokens_kind_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_kind_check
    CHECK (kind IN ('session', 'user', 'bot', 'app'));

-- One row per event, written in the same transaction as the write that raised it.
-- ``for_app``: Slack would deliver it to the installed app (membership, mention,
-- DM); ``subscription``: the event type an app subscribes to for it
-- (message.channels, app_mention, ...); ``delivered``: the app acknowledged it.
CREATE TABLE events (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      text NOT NULL UNIQUE,
    event_time    bigint NOT NULL,
    type          text NOT NULL,
    subscription  text NOT NULL,
    for_app       boolean NOT NULL,
    delivered     boolean NOT NULL DEFAULT false,
    payload       jsonb NOT NULL
);
