-- The call log (issue 22): one row per Web API call the clone served, written in
-- batches by slack_clone/calls.py. A public table like the others, so snapshots
-- and resets put it back with the state; the manifest leaves it out of the state
-- fingerprint and declares no diff kind for it (a call is not product state).
CREATE TABLE calls (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          double precision NOT NULL,          -- when it arrived (Unix seconds)
    who         text NOT NULL,                      -- bot, user, app, @handle, or '' (no token)
    user_id     text,
    method      text NOT NULL,
    args        jsonb NOT NULL,                     -- secrets redacted, long text cut
    outcome     text NOT NULL,                      -- 'ok' or Slack's error code
    status      integer NOT NULL,                   -- the HTTP status answered
    latency_ms  double precision NOT NULL,
    refs        jsonb NOT NULL DEFAULT '[]'         -- records it touched: {channel, ts?}
);

-- One row: how many of the oldest entries the bound pushed out.
CREATE TABLE call_log (
    id       integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    dropped  bigint NOT NULL DEFAULT 0
);
INSERT INTO call_log DEFAULT VALUES;
