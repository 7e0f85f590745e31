-- Commands in one round trip (issue 13, item 3): nodes.create, threads.spin and messages.post
-- each run as one call of a function below, a statement the core's driver prepares, instead of
-- a transaction of about seventeen statements sent one at a time. The call runs in autocommit,
-- so it is its own transaction: a refusal anywhere rolls back everything it wrote, as the
-- explicit transaction did.
--
-- The rules are those the core wrote in TypeScript before (core/src/nodes, threads, messages,
-- accounts/provision.ts); TypeScript still validates input, hashes the request, computes the
-- H3 cells and the display name, and turns refusals into domain errors with their messages.
-- A refusal is raised with SQLSTATE WG001 and the domain code as its message.
--
-- Events are written in the envelope makeEnvelope builds (events/src/contracts.ts), with
-- times as JavaScript's toISOString writes them (UTC, milliseconds, truncated like a Date).

-- 2026-12-02T17:04:14.123Z; NULL stays NULL.
CREATE FUNCTION iso_ms(t timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- {lat, lon} of a point, or NULL (a JSON null inside jsonb_build_object).
CREATE FUNCTION point_json(lat double precision, lon double precision) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN lat IS NULL OR lon IS NULL THEN NULL
              ELSE jsonb_build_object('lat', lat, 'lon', lon) END
$$;

-- One outbox row (core/src/outbox/write-event.ts): the event's id is the row's id.
CREATE FUNCTION outbox_write(
  event_type text, actor uuid, aggregate text, event_version integer, occurred timestamptz,
  data jsonb
) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
  event_id uuid := gen_random_uuid();
BEGIN
  INSERT INTO outbox (id, subject, envelope)
  VALUES (event_id, 'gewebe.' || event_type, jsonb_build_object(
    'id', event_id, 'type', event_type, 'occurredAt', iso_ms(occurred), 'actorId', actor,
    'aggregateId', aggregate, 'version', event_version, 'data', data));
  RETURN event_id;
END $$;

-- The caller's Garnrolle, created on first use (account.registered); the token's e-mail kept
-- in the private table when it changed. A Garnrolle without a valid public point is not on
-- the map. `registered_at` is the wall clock (the event's time), not a command's clock.
CREATE FUNCTION ensure_account(
  p_subject text, p_display_name text, p_email text, registered_at timestamptz,
  OUT ref_id uuid, OUT ref_name text, OUT ref_map_state text,
  OUT ref_lat double precision, OUT ref_lon double precision
)
LANGUAGE plpgsql AS $$
DECLARE
  inserted uuid;
  known_email text;
BEGIN
  INSERT INTO accounts AS a (subject, display_name) VALUES (p_subject, p_display_name)
  ON CONFLICT (subject) DO NOTHING
  RETURNING a.id INTO inserted;
  IF inserted IS NOT NULL THEN
    PERFORM outbox_write('account.registered', inserted, inserted::text, 1, registered_at,
      jsonb_build_object('accountId', inserted, 'displayName', p_display_name));
  END IF;
  SELECT a.id, a.display_name, a.map_state, ST_Y(a.public_point), ST_X(a.public_point), e.email
    INTO ref_id, ref_name, ref_map_state, ref_lat, ref_lon, known_email
    FROM accounts a LEFT JOIN account_emails e ON e.account_id = a.id
   WHERE a.subject = p_subject;
  IF ref_id IS NULL THEN
    RAISE EXCEPTION 'account vanished during provisioning';
  END IF;
  IF p_email IS NOT NULL AND p_email IS DISTINCT FROM known_email THEN
    INSERT INTO account_emails AS e (account_id, email) VALUES (ref_id, p_email)
    ON CONFLICT (account_id) DO UPDATE SET email = EXCLUDED.email, updated_at = now();
  END IF;
  IF ref_map_state = 'not_on_map' OR ref_lat IS NULL OR ref_lon IS NULL THEN
    ref_map_state := 'not_on_map';
    ref_lat := NULL;
    ref_lon := NULL;
  END IF;
END $$;

-- The earlier answer to an operation id (core/src/nodes/operations.ts), or NULL. Holds a lock
-- on the id until the transaction ends, so a repeat sent meanwhile waits for the first. The id
-- comes as the client wrote it: the lock key is the same text the TypeScript path hashed.
CREATE FUNCTION prior_result(
  p_operation_id text, p_account uuid, p_command text, p_request_hash text
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  o record;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext(p_operation_id));
  SELECT account_id, command, request_hash, result INTO o
    FROM operations WHERE operation_id = p_operation_id::uuid;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF o.account_id <> p_account OR o.command <> p_command OR o.request_hash <> p_request_hash THEN
    RAISE EXCEPTION USING ERRCODE = 'WG001', MESSAGE = 'OPERATION_ID_REUSED';
  END IF;
  RETURN o.result;
END $$;

-- A node as commands answer it (@weltgewebe/db/dto toNodeDTO).
CREATE FUNCTION node_dto(n nodes) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', n.id, 'kind', n.kind, 'title', n.title, 'summary', n.summary, 'address', n.address,
    'topics', to_jsonb(n.topics), 'lat', ST_Y(n.location), 'lon', ST_X(n.location),
    'startsAt', iso_ms(n.starts_at), 'endsAt', iso_ms(n.ends_at), 'version', n.version,
    'createdAt', iso_ms(n.created_at), 'updatedAt', iso_ms(n.updated_at),
    'body', n.body, 'createdBy', n.created_by)
$$;

-- Spinning a thread (core/src/threads/spin.ts): a new one, or a renewal while the same kind
-- to the same node lives; one past its time but not yet swept is closed first (thread.expired,
-- as the sweeper would say). `p_from`/`p_to`: the account's public point (or NULL) and the
-- node's place, as the events carry them.
CREATE FUNCTION spin_thread(
  p_account uuid, p_node uuid, p_kind text, p_now timestamptz, lifetime_hours integer,
  p_from jsonb, p_to jsonb,
  OUT thread_id uuid, OUT renewed boolean, OUT thread_expires_at timestamptz
)
LANGUAGE plpgsql AS $$
DECLARE
  overdue uuid;
BEGIN
  thread_expires_at := p_now + make_interval(hours => lifetime_hours);
  -- Two spins of the same thread at once would both try to insert; take turns.
  PERFORM pg_advisory_xact_lock(hashtext('threads.spin'),
    hashtext(p_account::text || ':' || p_node::text || ':' || p_kind));
  FOR overdue IN
    UPDATE threads t SET expired_at = t.expires_at
     WHERE t.account_id = p_account AND t.node_id = p_node AND t.kind = p_kind
       AND t.expired_at IS NULL AND t.expires_at <= p_now
    RETURNING t.id
  LOOP
    PERFORM outbox_write('thread.expired', NULL, overdue::text, 1, p_now, jsonb_build_object(
      'threadId', overdue, 'nodeId', p_node, 'accountId', p_account, 'kind', p_kind,
      'from', p_from, 'to', p_to));
  END LOOP;
  UPDATE threads t SET spun_at = p_now, expires_at = thread_expires_at
   WHERE t.account_id = p_account AND t.node_id = p_node AND t.kind = p_kind
     AND t.expired_at IS NULL
  RETURNING t.id INTO thread_id;
  renewed := thread_id IS NOT NULL;
  IF NOT renewed THEN
    INSERT INTO threads AS t (account_id, node_id, kind, spun_at, expires_at)
    VALUES (p_account, p_node, p_kind, p_now, thread_expires_at)
    RETURNING t.id INTO thread_id;
  END IF;
  PERFORM outbox_write(CASE WHEN renewed THEN 'thread.renewed' ELSE 'thread.spun' END,
    p_account, thread_id::text, 1, p_now, jsonb_build_object(
      'threadId', thread_id, 'nodeId', p_node, 'accountId', p_account, 'kind', p_kind,
      'expiresAt', iso_ms(thread_expires_at), 'from', p_from, 'to', p_to));
END $$;

-- nodes.create (core/src/nodes/service.ts createNode). Returns the node DTO, or the first
-- answer to a repeated operation id.
CREATE FUNCTION command_create_node(
  p_subject text, p_display_name text, p_email text, p_wall timestamptz,
  p_operation_id text, p_request_hash text, p_request_id text, p_now timestamptz,
  max_live_nodes integer, lifetime_hours integer,
  p_kind text, p_title text, p_summary text, p_body text, p_address text, p_topics text[],
  p_lon double precision, p_lat double precision,
  p_h3_r3 bigint, p_h3_r5 bigint, p_h3_r7 bigint, p_h3_r9 bigint,
  p_starts_at timestamptz, p_ends_at timestamptz
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  acc record;
  prior jsonb;
  live integer;
  n nodes;
  dto jsonb;
BEGIN
  SELECT * INTO acc FROM ensure_account(p_subject, p_display_name, p_email, p_wall);
  prior := prior_result(p_operation_id, acc.ref_id, 'nodes.create', p_request_hash);
  IF prior IS NOT NULL THEN
    RETURN prior;
  END IF;
  -- Serialise this account's creates so the quota cannot be raced past. The quota counts
  -- every node not removed, hidden ones too (a node hidden by moderation gives no room).
  PERFORM pg_advisory_xact_lock(hashtext('nodes.quota'), hashtext(acc.ref_id::text));
  SELECT count(*) INTO live FROM nodes WHERE created_by = acc.ref_id AND removed_at IS NULL;
  IF live >= max_live_nodes THEN
    RAISE EXCEPTION USING ERRCODE = 'WG001', MESSAGE = 'NODE_QUOTA_EXCEEDED';
  END IF;
  INSERT INTO nodes (kind, title, summary, body, address, topics, location,
                     h3_r3, h3_r5, h3_r7, h3_r9, starts_at, ends_at, created_by, created_at, updated_at)
  VALUES (p_kind, p_title, p_summary, p_body, p_address, p_topics,
          ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326), p_h3_r3, p_h3_r5, p_h3_r7, p_h3_r9,
          p_starts_at, p_ends_at, acc.ref_id, p_now, p_now)
  RETURNING * INTO n;
  dto := node_dto(n);
  INSERT INTO conversations (node_id) VALUES (n.id);
  INSERT INTO audit_log (actor_id, action, aggregate_type, aggregate_id, changes, request_id, occurred_at)
  VALUES (acc.ref_id, 'node.create', 'node', n.id,
          jsonb_build_object('title', n.title, 'kind', n.kind), p_request_id, p_now);
  PERFORM outbox_write('node.created', acc.ref_id, n.id::text, n.version, p_now, jsonb_build_object(
    'id', n.id, 'kind', n.kind, 'title', n.title, 'topics', to_jsonb(n.topics),
    'location', point_json(ST_Y(n.location), ST_X(n.location)), 'version', n.version));
  PERFORM spin_thread(acc.ref_id, n.id, 'knotting', p_now, lifetime_hours,
    point_json(acc.ref_lat, acc.ref_lon), point_json(ST_Y(n.location), ST_X(n.location)));
  INSERT INTO operations (operation_id, account_id, command, request_hash, result)
  VALUES (p_operation_id::uuid, acc.ref_id, 'nodes.create', p_request_hash, dto);
  RETURN dto;
END $$;

-- threads.spin (core/src/threads/service.ts spinParticipation). Returns the thread DTO, or the
-- first answer to a repeated operation id (an operation id is optional here).
CREATE FUNCTION command_spin_thread(
  p_subject text, p_display_name text, p_email text, p_wall timestamptz,
  p_operation_id text, p_request_hash text, p_now timestamptz, lifetime_hours integer,
  p_node uuid, p_kind text
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  acc record;
  prior jsonb;
  to_lat double precision;
  to_lon double precision;
  spun record;
  dto jsonb;
BEGIN
  SELECT * INTO acc FROM ensure_account(p_subject, p_display_name, p_email, p_wall);
  IF p_operation_id IS NOT NULL THEN
    prior := prior_result(p_operation_id, acc.ref_id, 'threads.spin', p_request_hash);
    IF prior IS NOT NULL THEN
      RETURN prior;
    END IF;
  END IF;
  -- Removed and hidden nodes take no threads.
  SELECT ST_Y(n.location), ST_X(n.location) INTO to_lat, to_lon FROM live_nodes n WHERE n.id = p_node;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'WG001', MESSAGE = 'NODE_NOT_FOUND';
  END IF;
  SELECT * INTO spun FROM spin_thread(acc.ref_id, p_node, p_kind, p_now, lifetime_hours,
    point_json(acc.ref_lat, acc.ref_lon), point_json(to_lat, to_lon));
  dto := jsonb_build_object(
    'id', spun.thread_id, 'nodeId', p_node, 'accountId', acc.ref_id, 'kind', p_kind,
    'spunAt', iso_ms(p_now), 'expiresAt', iso_ms(spun.thread_expires_at),
    -- strength = remaining lifetime / lifetime (core/src/threads/model.ts strengthAt)
    'strength', LEAST(1, GREATEST(0,
      extract(epoch FROM spun.thread_expires_at - p_now) / (lifetime_hours * 3600)))::double precision,
    'renewed', spun.renewed);
  IF p_operation_id IS NOT NULL THEN
    INSERT INTO operations (operation_id, account_id, command, request_hash, result)
    VALUES (p_operation_id::uuid, acc.ref_id, 'threads.spin', p_request_hash, dto);
  END IF;
  RETURN dto;
END $$;

-- messages.post (core/src/messages/service.ts postMessage). Idempotent per author and key:
-- the same key with the same node and text (or a retracted message) returns the first.
CREATE FUNCTION command_post_message(
  p_subject text, p_display_name text, p_email text, p_wall timestamptz,
  p_now timestamptz, lifetime_hours integer,
  p_node uuid, p_body text, p_idempotency_key text
) RETURNS messages
LANGUAGE plpgsql AS $$
DECLARE
  acc record;
  m messages;
  to_lat double precision;
  to_lon double precision;
BEGIN
  SELECT * INTO acc FROM ensure_account(p_subject, p_display_name, p_email, p_wall);
  -- The same key twice at once: the second waits and then finds the first.
  PERFORM pg_advisory_xact_lock(hashtext('messages.post'),
    hashtext(acc.ref_id::text || ':' || p_idempotency_key));
  SELECT * INTO m FROM messages
   WHERE author_id = acc.ref_id AND idempotency_key = p_idempotency_key::uuid;
  IF FOUND THEN
    IF m.node_id = p_node AND (m.retracted_at IS NOT NULL OR m.body = p_body) THEN
      RETURN m;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'WG001', MESSAGE = 'IDEMPOTENCY_KEY_REUSED';
  END IF;
  SELECT ST_Y(n.location), ST_X(n.location) INTO to_lat, to_lon FROM live_nodes n WHERE n.id = p_node;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'WG001', MESSAGE = 'NODE_NOT_FOUND';
  END IF;
  -- Seeded or older nodes may lack their conversation row; every node has exactly one.
  INSERT INTO conversations (node_id) VALUES (p_node) ON CONFLICT (node_id) DO NOTHING;
  INSERT INTO messages AS msg (conversation_id, node_id, author_id, author_name, body, idempotency_key, created_at)
  SELECT c.id, c.node_id, acc.ref_id, acc.ref_name, p_body, p_idempotency_key::uuid, p_now
    FROM conversations c WHERE c.node_id = p_node
  RETURNING msg.* INTO m;
  PERFORM outbox_write('message.posted', acc.ref_id, m.id::text, 1, p_now, jsonb_build_object(
    'messageId', m.id, 'nodeId', m.node_id, 'authorId', acc.ref_id, 'authorName', m.author_name,
    'body', p_body, 'createdAt', iso_ms(m.created_at)));
  PERFORM spin_thread(acc.ref_id, p_node, 'conversation', p_now, lifetime_hours,
    point_json(acc.ref_lat, acc.ref_lon), point_json(to_lat, to_lon));
  RETURN m;
END $$;

-- The core's, and only the core's: the edge role reads and never writes.
REVOKE ALL ON FUNCTION
  outbox_write(text, uuid, text, integer, timestamptz, jsonb),
  ensure_account(text, text, text, timestamptz),
  prior_result(text, uuid, text, text),
  spin_thread(uuid, uuid, text, timestamptz, integer, jsonb, jsonb),
  command_create_node(text, text, text, timestamptz, text, text, text, timestamptz, integer, integer,
    text, text, text, text, text, text[], double precision, double precision,
    bigint, bigint, bigint, bigint, timestamptz, timestamptz),
  command_spin_thread(text, text, text, timestamptz, text, text, timestamptz, integer, uuid, text),
  command_post_message(text, text, text, timestamptz, timestamptz, integer, uuid, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  outbox_write(text, uuid, text, integer, timestamptz, jsonb),
  ensure_account(text, text, text, timestamptz),
  prior_result(text, uuid, text, text),
  spin_thread(uuid, uuid, text, timestamptz, integer, jsonb, jsonb),
  command_create_node(text, text, text, timestamptz, text, text, text, timestamptz, integer, integer,
    text, text, text, text, text, text[], double precision, double precision,
    bigint, bigint, bigint, bigint, timestamptz, timestamptz),
  command_spin_thread(text, text, text, timestamptz, text, text, timestamptz, integer, uuid, text),
  command_post_message(text, text, text, timestamptz, timestamptz, integer, uuid, text, text)
TO weltgewebe_core;
