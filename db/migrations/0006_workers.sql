-- State of the event workers (core/src/workers):
-- * h3_rollup_members: what each H3 rollup row currently counts, per node, account and
--   thread. An event makes the hex-rollup worker re-evaluate one member against the tables
--   and apply only the difference, so a late, repeated or reordered event never counts twice.
-- * account_emails: the address from the login token, for notification e-mails. Private
--   like account_locations (the edge may SELECT accounts, so it does not live there).
-- * notifications: e-mail retry bookkeeping, so a failed send is tried again later.

CREATE TABLE h3_rollup_members (
  member_type  text NOT NULL CHECK (member_type IN ('node', 'account', 'thread')),
  member_id    uuid NOT NULL,
  -- Nodes: their kind (counted in nodes_<kind>); threads: the node whose cells they count in.
  node_kind    text CHECK (node_kind IN ('place', 'resource', 'project', 'event')),
  node_id      uuid,
  -- Cells at resolutions 3, 5, 7, 9 (in that order).
  cells        bigint[] NOT NULL CHECK (cardinality(cells) = 4),
  PRIMARY KEY (member_type, member_id),
  CHECK ((member_type = 'node') = (node_kind IS NOT NULL)),
  CHECK ((member_type = 'thread') = (node_id IS NOT NULL))
);
CREATE INDEX h3_rollup_members_node ON h3_rollup_members (node_id) WHERE node_id IS NOT NULL;

CREATE TABLE account_emails (
  account_id  uuid PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  email       text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320 AND position('@' IN email) > 1),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE notifications
  ADD COLUMN email_attempts  integer NOT NULL DEFAULT 0 CHECK (email_attempts >= 0),
  ADD COLUMN email_retry_at  timestamptz,
  ADD COLUMN email_error     text;
CREATE INDEX notifications_email_due ON notifications (created_at) WHERE emailed_at IS NULL;

REVOKE ALL ON h3_rollup_members, account_emails FROM weltgewebe_edge, PUBLIC;
