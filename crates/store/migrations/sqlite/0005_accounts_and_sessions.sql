-- Signing in: a password (an argon2id PHC string, hashed by the server) and an
-- organization-admin flag on accounts; sessions and single-use login links, both stored as a
-- hash of their secret (a leaked database holds no usable cookie or link); and the cached
-- result of a background job. None of this is movement activity, so none of it is an event.

ALTER TABLE accounts ADD COLUMN password_hash TEXT;
ALTER TABLE accounts ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1));
CREATE UNIQUE INDEX accounts_org_id_id ON accounts (org_id, id);

CREATE TABLE sessions (
    secret_hash TEXT PRIMARY KEY,
    org_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id)
) WITHOUT ROWID;
CREATE INDEX sessions_account ON sessions (org_id, account_id);

CREATE TABLE login_links (
    secret_hash TEXT PRIMARY KEY,
    org_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    used_at_ms INTEGER,
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id)
) WITHOUT ROWID;

ALTER TABLE jobs ADD COLUMN result TEXT;
