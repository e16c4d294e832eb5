-- A tie's two ends are checked once per statement instead of once per row. The foreign keys
-- of 0001 cost two index probes and two row locks per tie, which made a 1M-tie import spend
-- 13 of its 22 seconds in them; a statement-level trigger over the rows the statement wrote
-- does the same check as one join. People are never deleted by the store (they are marked
-- as having left); deleting one behind its back, or changing a person's id or organization,
-- is refused while ties refer to them, as the foreign keys refused it.

ALTER TABLE ties DROP CONSTRAINT ties_org_id_source_id_fkey;
ALTER TABLE ties DROP CONSTRAINT ties_org_id_target_id_fkey;

-- Every written tie must find both its ends among its organization's people. Written as a
-- count over a join, with hash and merge joins off, so that the planner probes the people's
-- key index per tie (a statement writes a thousand ties at most) rather than hashing all
-- the people for every statement.
CREATE FUNCTION check_tie_ends() RETURNS trigger LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
    IF (SELECT count(*) FROM written_ties) <> (
        SELECT count(*) FROM written_ties AS t
        JOIN people AS s ON s.org_id = t.org_id AND s.id = t.source_id
        JOIN people AS d ON d.org_id = t.org_id AND d.id = t.target_id
    ) THEN
        RAISE EXCEPTION 'a tie refers to a person not in its organization'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;

-- Transition tables allow one event per trigger: one for inserts, one for updates (an upsert
-- fires both).
CREATE TRIGGER tie_ends_inserted AFTER INSERT ON ties
    REFERENCING NEW TABLE AS written_ties
    FOR EACH STATEMENT EXECUTE FUNCTION check_tie_ends();
CREATE TRIGGER tie_ends_updated AFTER UPDATE ON ties
    REFERENCING NEW TABLE AS written_ties
    FOR EACH STATEMENT EXECUTE FUNCTION check_tie_ends();

CREATE FUNCTION refuse_removing_tied_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM removed_people AS r
        JOIN ties AS t ON t.org_id = r.org_id AND t.source_id = r.id
        UNION ALL
        SELECT 1 FROM removed_people AS r
        JOIN ties AS t ON t.org_id = r.org_id AND t.target_id = r.id
    ) THEN
        RAISE EXCEPTION 'ties still refer to this person'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER tied_people_deleted AFTER DELETE ON people
    REFERENCING OLD TABLE AS removed_people
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_removing_tied_people();

CREATE FUNCTION refuse_renumbering_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a person keeps their id and organization: ties and history refer to them'
        USING ERRCODE = 'foreign_key_violation';
END;
$$;

CREATE TRIGGER people_keep_their_ids BEFORE UPDATE OF id, org_id ON people
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.org_id IS DISTINCT FROM NEW.org_id)
    EXECUTE FUNCTION refuse_renumbering_people();
