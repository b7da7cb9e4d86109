-- The call log (issue 22): every GraphQL request the clone served, written in batches
-- by linear_clone/calls.py, one row per batch (``entries``: a JSON array of calls, each
-- with its place ``i`` in the batch; a call's id is ``id * 100000 + i``). The same
-- shape as the Slack clone's, so asymkit reads both through the manifest alone. A
-- public table like the others, so snapshots and resets put it back with the state; the
-- manifest leaves it out of the state fingerprint and declares no diff kind for it.
CREATE TABLE calls (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entries  jsonb NOT NULL,             -- [{i, at, who, user_id, method, args, outcome,
                                         --   status, latency_ms, refs}, ...]
    n        integer NOT NULL CHECK (n > 0)  -- how many calls ``entries`` holds
);

-- One row: how many of the oldest calls the bound pushed out.
CREATE TABLE call_log (
    id       integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    dropped  bigint NOT NULL DEFAULT 0
);
INSERT INTO call_log DEFAULT VALUES;
