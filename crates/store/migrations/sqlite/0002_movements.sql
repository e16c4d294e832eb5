-- Movements and everything that happens in them: memberships, asks, conversations, stories,
-- reactions, retells, experiments, and background jobs.

CREATE TABLE movements (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    mission TEXT NOT NULL,
    behaviours TEXT NOT NULL, -- JSON array of names
    critical_mass REAL NOT NULL CHECK (critical_mass > 0 AND critical_mass <= 1),
    starts_on TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (org_id, id)
);

CREATE TABLE memberships (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    movement_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('host', 'activist', 'member', 'sponsor')),
    personal_mission TEXT,
    joined_at_ms INTEGER NOT NULL,
    recruited_by TEXT NOT NULL CHECK (recruited_by IN ('person', 'broadcast', 'self_signup')),
    recruiter_id INTEGER,
    UNIQUE (movement_id, person_id),
    FOREIGN KEY (org_id, movement_id) REFERENCES movements (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, recruiter_id) REFERENCES people (org_id, id),
    CHECK ((recruited_by = 'person') = (recruiter_id IS NOT NULL))
);

CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    movement_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    arms TEXT NOT NULL, -- JSON array
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, movement_id) REFERENCES movements (org_id, id)
);

CREATE TABLE asks (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    movement_id INTEGER NOT NULL,
    from_id INTEGER NOT NULL,
    to_id INTEGER NOT NULL,
    channel TEXT NOT NULL,
    message TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    experiment_id INTEGER,
    arm TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    FOREIGN KEY (org_id, movement_id) REFERENCES movements (org_id, id),
    FOREIGN KEY (org_id, from_id) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, to_id) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, experiment_id) REFERENCES experiments (org_id, id)
);

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    movement_id INTEGER NOT NULL,
    activist_id INTEGER NOT NULL,
    with_id INTEGER NOT NULL,
    behaviours TEXT NOT NULL,
    outcome TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    FOREIGN KEY (org_id, movement_id) REFERENCES movements (org_id, id),
    FOREIGN KEY (org_id, activist_id) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, with_id) REFERENCES people (org_id, id)
);

CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    movement_id INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    co_authors TEXT NOT NULL, -- JSON array of person ids
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    behaviours TEXT NOT NULL,
    visibility TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, movement_id) REFERENCES movements (org_id, id),
    FOREIGN KEY (org_id, author_id) REFERENCES people (org_id, id)
);

CREATE TABLE reactions (
    org_id INTEGER NOT NULL,
    story_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('inspired', 'will_try', 'did_it')),
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (org_id, story_id, person_id, kind),
    FOREIGN KEY (org_id, story_id) REFERENCES stories (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
) WITHOUT ROWID;

CREATE TABLE retells (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    story_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    note TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    FOREIGN KEY (org_id, story_id) REFERENCES stories (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations (id),
    task TEXT NOT NULL,
    status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    error TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
