-- Action inputs held to the workspace's schema (src/delivery/action-runner.ts): 1 when an attempt sent an action
-- whose definition could not be read, so its input went out unchecked (DELIVERY.unchecked_action_inputs = "send");
-- NULL otherwise. The health page and the admin API show these attempts as "input not checked".
ALTER TABLE attempts ADD COLUMN input_unchecked INTEGER;
CREATE INDEX attempts_input_unchecked ON attempts (started_at) WHERE input_unchecked = 1;

-- The last preflight (src/preflight/): connections, actions and their inputs, proxy probes checked against the
-- workspace. One row, replaced by each run; GET /admin/api/preflight serves it while it is fresh.
CREATE TABLE preflight_reports (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  checked_at INTEGER NOT NULL,         -- epoch ms
  report TEXT NOT NULL                 -- JSON {ok, checks: [{subject, check, result, detail}]}
);
