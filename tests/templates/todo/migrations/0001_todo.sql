-- IDENTITY and GENERATED columns on purpose: snapshot restore must handle both.
CREATE TABLE lists (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title text NOT NULL UNIQUE CHECK (length(title) BETWEEN 1 AND 60)
);

CREATE TABLE items (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list_id  bigint NOT NULL REFERENCES lists (id),
    text     text NOT NULL CHECK (length(text) BETWEEN 1 AND 200),
    done     boolean NOT NULL DEFAULT false,
    slug     text GENERATED ALWAYS AS (lower(replace(text, ' ', '-'))) STORED
);
