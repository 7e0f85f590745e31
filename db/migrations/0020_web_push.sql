-- Web Push for area alerts (issue 15, item 4): the browsers a person allowed to show alerts
-- (one row per push endpoint, per account), and a second delivery state beside the e-mail's,
-- so a subscription may go by mail, by push or both and each channel keeps its own pace.
-- Core only: the edge role gets nothing here.
CREATE TABLE push_subscriptions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id    uuid NOT NULL REFERENCES accounts (id),
  -- The push service's URL for this browser (RFC 8030); it is the browser's identity there.
  endpoint      text NOT NULL UNIQUE CHECK (char_length(endpoint) BETWEEN 10 AND 2000),
  -- The browser's P-256 public key and auth secret (RFC 8291), base64url as the browser gives them.
  p256dh        text NOT NULL CHECK (char_length(p256dh) BETWEEN 80 AND 100),
  auth          text NOT NULL CHECK (char_length(auth) BETWEEN 16 AND 32),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_sent_at  timestamptz
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);

ALTER TABLE alert_subscriptions DROP CONSTRAINT alert_subscriptions_channel_check;
ALTER TABLE alert_subscriptions
  ADD CONSTRAINT alert_subscriptions_channel_check CHECK (channel IN ('mail', 'push', 'both'));
-- When the last push for it went out (a daily digest by push waits 24 hours after this).
ALTER TABLE alert_subscriptions ADD COLUMN last_pushed_at timestamptz;

-- A match is pushed apart from being mailed.
ALTER TABLE alert_items ADD COLUMN pushed_at timestamptz;
CREATE INDEX alert_items_unpushed ON alert_items (subscription_id, created_at) WHERE pushed_at IS NULL;

REVOKE ALL ON push_subscriptions FROM weltgewebe_edge, PUBLIC;
