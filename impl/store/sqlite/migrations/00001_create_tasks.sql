-- Times are Unix microseconds, so that they sort as numbers; ids are
-- canonical lowercase UUID strings, which sort as their bytes do.

-- +goose Up
CREATE TABLE tasks (
    id          TEXT    PRIMARY KEY,
    owner       TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- Every query is scoped to one owner; lists walk it in (created_at, id) order.
CREATE INDEX tasks_owner_created_id ON tasks (owner, created_at, id);

-- +goose Down
DROP TABLE tasks;
