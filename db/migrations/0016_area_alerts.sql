-- Area alerts (issue 15, item 4): a signed-in person watches an area (a box on the map) or a
-- weavery, optionally only some kinds or topics, and hears about new Knoten there by e-mail,
-- at once (batched) or once a day. Core only: the edge role gets nothing here.
CREATE TABLE alert_subscriptions (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id         uuid NOT NULL REFERENCES accounts (id),
  area               geometry(Polygon, 4326),
  weavery_id         uuid REFERENCES weaveries (id),
  label              text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 200),
  kinds              text[] NOT NULL DEFAULT '{}'
                       CHECK (kinds <@ ARRAY['place', 'resource', 'project', 'event']),
  topics             text[] NOT NULL DEFAULT '{}',
  cadence            text NOT NULL CHECK (cadence IN ('instant', 'daily')),
  channel            text NOT NULL DEFAULT 'mail' CHECK (channel IN ('mail', 'push')),
  -- The capability in every mail's one-click unsubscribe link: 256 random bits, unguessable,
  -- and void once the row is gone (no shared signing key between workers and core to rotate).
  unsubscribe_token  text NOT NULL UNIQUE CHECK (char_length(unsubscribe_token) >= 40),
  created_at         timestamptz NOT NULL DEFAULT now(),
  -- When the last mail for it went out (a daily digest waits 24 hours after this).
  last_sent_at       timestamptz,
  CHECK ((area IS NULL) <> (weavery_id IS NULL))
);
CREATE INDEX alert_subscriptions_area_gix ON alert_subscriptions USING gist (area) WHERE area IS NOT NULL;
CREATE INDEX alert_subscriptions_weavery ON alert_subscriptions (weavery_id) WHERE weavery_id IS NOT NULL;
CREATE INDEX alert_subscriptions_account ON alert_subscriptions (account_id);

-- Matches waiting for their mail: one per subscription and node (a repeated event adds none).
CREATE TABLE alert_items (
  subscription_id  uuid NOT NULL REFERENCES alert_subscriptions (id) ON DELETE CASCADE,
  node_id          uuid NOT NULL REFERENCES nodes (id),
  event_id         uuid NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  PRIMARY KEY (subscription_id, node_id)
);
CREATE INDEX alert_items_unsent ON alert_items (subscription_id, created_at) WHERE sent_at IS NULL;

REVOKE ALL ON alert_subscriptions, alert_items FROM weltgewebe_edge, PUBLIC;
