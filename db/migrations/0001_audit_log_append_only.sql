-- The audit log is append-only: PostgreSQL itself refuses to change or remove a row.
-- Each row is chained to the previous row of the same property by a SHA-256 hash over
-- its content, so a change made behind the triggers' back (by a superuser) is detectable.
CREATE UNIQUE INDEX "audit_log_chain_uq" ON "audit_log" (coalesce("property_id", ''), "chain_position");
--> statement-breakpoint
CREATE FUNCTION audit_log_row_hash(r audit_log) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(
    coalesce(r.prev_hash, '') || '|' || jsonb_build_array(
      r.id, r.chain_position,
      (extract(epoch FROM r.occurred_at) * 1000000)::bigint,
      (extract(epoch FROM r.recorded_at) * 1000000)::bigint,
      r.property_id, r.subject, r.seq, r.action, r.actor_id, r.actor_role,
      r.from_status, r.to_status, r.reason, r.detail
    )::text, 'UTF8')), 'hex')
$$;
--> statement-breakpoint
CREATE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  last_row audit_log;
BEGIN
  -- One writer per property chain at a time; released at commit.
  PERFORM pg_advisory_xact_lock(hashtextextended('audit_log:' || coalesce(NEW.property_id, ''), 0));
  SELECT * INTO last_row FROM audit_log
    WHERE coalesce(property_id, '') = coalesce(NEW.property_id, '')
    ORDER BY chain_position DESC LIMIT 1;
  NEW.chain_position := coalesce(last_row.chain_position, 0) + 1;
  NEW.prev_hash := last_row.hash;
  NEW.hash := audit_log_row_hash(NEW);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
--> statement-breakpoint
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
