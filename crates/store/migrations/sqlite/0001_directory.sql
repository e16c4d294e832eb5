-- The directory and the network: organizations (tenants), people, ties, adoptions, opt-outs,
-- accounts, and the append-only event log. Times are milliseconds since the Unix epoch (UTC).
-- Every child row carries its organization, and its references include it, so that a row
-- can never point into another organization.

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations (id),
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    unit TEXT,
    location TEXT,
    grade TEXT,
    manager_external_id TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    left_at_ms INTEGER,
    UNIQUE (org_id, external_id),
    UNIQUE (org_id, id)
);

CREATE TABLE ties (
    org_id INTEGER NOT NULL,
    source_id INTEGER NOT NULL,
    target_id INTEGER NOT NULL,
    layer TEXT NOT NULL,
    weight REAL NOT NULL CHECK (weight > 0),
    PRIMARY KEY (org_id, source_id, target_id, layer),
    FOREIGN KEY (org_id, source_id) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, target_id) REFERENCES people (org_id, id),
    CHECK (source_id <> target_id)
) WITHOUT ROWID;

CREATE TABLE adoptions (
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    behaviour TEXT NOT NULL,
    time TEXT NOT NULL, -- movement::AdoptionTime as JSON
    PRIMARY KEY (org_id, person_id, behaviour),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
) WITHOUT ROWID;

CREATE TABLE opt_outs (
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('do_not_suggest', 'do_not_contact', 'exclude_from_analytics')),
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (org_id, person_id, kind),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
) WITHOUT ROWID;

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    email TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (org_id, email),
    UNIQUE (org_id, person_id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES organizations (id),
    actor_account_id INTEGER,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX events_by_org ON events (org_id, id);

CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: update refused');
END;

CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: delete refused');
END;
