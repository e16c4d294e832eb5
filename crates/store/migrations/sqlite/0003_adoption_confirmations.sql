-- Adoptions confirmed by a peer (DESIGN.md: "self-reported 'I did it', or confirmed by a
-- peer"). One row per confirming peer; an adoption without rows is self-reported.

CREATE TABLE adoption_confirmations (
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    behaviour TEXT NOT NULL,
    confirmed_by INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (org_id, person_id, behaviour, confirmed_by),
    FOREIGN KEY (org_id, person_id, behaviour) REFERENCES adoptions (org_id, person_id, behaviour),
    FOREIGN KEY (org_id, confirmed_by) REFERENCES people (org_id, id),
    CHECK (confirmed_by <> person_id)
) WITHOUT ROWID;
