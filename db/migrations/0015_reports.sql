-- Reports and moderation (issue 15, item 5): anyone signed in reports a Knoten or a message
-- with a reason from a fixed list (REPORT_REASONS in @weltgewebe/events/domain); admins work
-- the open queue and hide the reported thing or dismiss the report, with a note; the reporter
-- is told the outcome. Core only: the edge role gets nothing here (reports name reporters).
CREATE TABLE reports (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reporter_id      uuid NOT NULL REFERENCES accounts (id),
  -- A message report names its node too, so the queue groups and links by node.
  node_id          uuid NOT NULL REFERENCES nodes (id),
  message_id       uuid REFERENCES messages (id),
  reason           text NOT NULL CHECK (reason IN
                     ('spam', 'harassment', 'illegal', 'misleading', 'privacy', 'wrong_place', 'other')),
  text             text NOT NULL DEFAULT '' CHECK (char_length(text) <= 1000),
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'hidden', 'dismissed')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  resolved_at      timestamptz,
  resolved_by      uuid REFERENCES accounts (id),
  resolution_note  text CHECK (char_length(resolution_note) <= 1000),
  CHECK ((status = 'open') = (resolved_at IS NULL)),
  CHECK ((status = 'open') = (resolved_by IS NULL))
);
-- The queue: open reports, oldest first.
CREATE INDEX reports_open ON reports (created_at) WHERE status = 'open';
-- The per-account daily limit counts an account's recent reports.
CREATE INDEX reports_reporter ON reports (reporter_id, created_at);
-- One open report per person and thing: a second tap is the same report, not another.
CREATE UNIQUE INDEX reports_one_open ON reports
  (reporter_id, node_id, coalesce(message_id, '00000000-0000-0000-0000-000000000000'::uuid))
  WHERE status = 'open';

REVOKE ALL ON reports FROM weltgewebe_edge, PUBLIC;
