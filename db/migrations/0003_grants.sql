-- What each service role may touch. The edge reads public tables only; it has
-- no privilege at all on account_locations, operations, audit, outbox, inbox or
-- notifications.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO weltgewebe_core;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO weltgewebe_core;

GRANT SELECT ON accounts, nodes, conversations, messages, threads, weaveries, weavery_cells,
  h3_rollups, places, spatial_ref_sys TO weltgewebe_edge;
REVOKE ALL ON account_locations, operations, audit_log, outbox, consumer_inbox, notifications
  FROM weltgewebe_edge, PUBLIC;

-- Tables added by later migrations are the core's to write by default; the edge
-- gets nothing by default and each later migration grants its reads explicitly.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO weltgewebe_core;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO weltgewebe_core;
