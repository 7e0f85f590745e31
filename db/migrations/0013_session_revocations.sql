-- Sign-out ends access at once (infra/kit/src/revocations.ts): the sessions whose access tokens
-- edge and core refuse although signature and expiry are fine. Each instance keeps the list in
-- memory, loads it from here at start and keeps it by the `session.revoked` event (edge) or by
-- the NOTIFY below (core). Keys are opaque: a provider session id (`sid`), or for providers
-- without one the hash of a subject, whose tokens issued up to `issued_before` are refused.
-- A row is of no use once every token it covers has expired (`valid_until`); the core deletes
-- such rows when it writes a new one, and every reader ignores them.
CREATE TABLE session_revocations (
  kind           text NOT NULL CHECK (kind IN ('session', 'subject')),
  key            text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  issued_before  timestamptz,
  valid_until    timestamptz NOT NULL,
  revoked_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, key),
  CHECK ((kind = 'subject') = (issued_before IS NOT NULL))
);
CREATE INDEX session_revocations_valid_until ON session_revocations (valid_until);

-- Core instances other than the one that wrote the row learn of it at once, without NATS.
CREATE FUNCTION session_revocations_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('session_revoked', json_build_object(
    'kind', NEW.kind, 'key', NEW.key, 'issuedBefore', NEW.issued_before,
    'until', NEW.valid_until)::text);
  RETURN NULL;
END
$$;
CREATE TRIGGER session_revocations_notify AFTER INSERT OR UPDATE ON session_revocations
  FOR EACH ROW EXECUTE FUNCTION session_revocations_notify();

-- The edge reads what its verifier needs (not when it was revoked), never writes.
REVOKE ALL ON session_revocations FROM PUBLIC, weltgewebe_edge;
GRANT SELECT (kind, key, issued_before, valid_until) ON session_revocations TO weltgewebe_edge;
