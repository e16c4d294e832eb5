-- Adoptions confirmed by a peer (DESIGN.md: "self-reported 'I did it', or confirmed by a
-- peer"). One row per confirming peer; an adoption without rows is self-reported.

CREATE TABLE adoption_confirmations (
    org_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    behaviour TEXT NOT NULL,
    confirmed_by BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (org_id, person_id, behaviour, confirmed_by),
    FOREIGN KEY (org_id, person_id, behaviour) REFERENCES adoptions (org_id, person_id, behaviour),
    FOREIGN KEY (org_id, confirmed_by) REFERENCES people (org_id, id),
    CHECK (confirmed_by <> person_id)
);

ALTER TABLE adoption_confirmations ENABLE ROW LEVEL SECURITY;
ALTER TABLE adoption_confirmations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON adoption_confirmations
    USING (org_id = NULLIF(current_setting('groundswell.org_id', true), '')::bigint)
    WITH CHECK (org_id = NULLIF(current_setting('groundswell.org_id', true), '')::bigint);
