-- The edge plans every statement for its own parameters. Its tile and list queries are one
-- prepared statement for every z/x/y; once PostgreSQL switches such a statement to a
-- generic plan, a z1–z4 tile (a million nodes behind it) took 0.5–1 s instead of 2–4 ms
-- (bench/edge-bench.ts). Planning each call costs well under a millisecond.
ALTER ROLE weltgewebe_edge SET plan_cache_mode = force_custom_plan;
