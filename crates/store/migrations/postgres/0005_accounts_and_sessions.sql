-- Signing in: a password (an argon2id PHC string, hashed by the server) and an
-- organization-admin flag on accounts; sessions and single-use login links, both stored as a
-- hash of their secret (a leaked database holds no usable cookie or link); and the cached
-- result of a background job. None of this is movement activity, so none of it is an event.

ALTER TABLE accounts ADD COLUMN password_hash TEXT;
ALTER TABLE accounts ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE accounts ADD CONSTRAINT accounts_org_id_id UNIQUE (org_id, id);

CREATE TABLE sessions (
    secret_hash TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id)
);
CREATE INDEX sessions_account ON sessions (org_id, account_id);

CREATE TABLE login_links (
    secret_hash TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    used_at_ms BIGINT,
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id)
);

ALTER TABLE jobs ADD COLUMN result TEXT;

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON sessions
    USING (org_id = NULLIF(current_setting('groundswell.org_id', true), '')::bigint)
    WITH CHECK (org_id = NULLIF(current_setting('groundswell.org_id', true), '')::bigint);
ALTER TABLE login_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON login_links
    USING (org_id = NULLIF(current_setting('groundswell.org_id', true), '')::bigint)
    WITH CHECK (org_id = NULLIF(current_setting('groundswell.org_id', true), '')::bigint);
