-- +goose Up
CREATE TABLE tasks (
    id          uuid        PRIMARY KEY,
    owner       text        NOT NULL,
    title       text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    status      text        NOT NULL,
    version     bigint      NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- Every query is scoped to one owner; lists walk it in (created_at, id) order.
CREATE INDEX tasks_owner_created_id ON tasks (owner, created_at, id);

-- +goose Down
DROP TABLE tasks;
