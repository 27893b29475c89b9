-- One row per event x reaction: the plan. UNIQUE makes re-planning (redelivered message, replay) a no-op.
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES events (id),
  reaction TEXT NOT NULL,              -- reaction name from wrangler.toml [vars.REACTIONS]
  recipe TEXT NOT NULL,                -- recipe key, e.g. coupontools.add-stamps
  connection_id TEXT NOT NULL,
  -- pending -> in_flight -> succeeded | retrying -> ... | dead
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  retry_base INTEGER NOT NULL DEFAULT 0, -- attempts made before the last manual retry: the schedule restarts there
  next_attempt_at INTEGER,             -- epoch ms; NULL = now
  lease_until INTEGER,                 -- in_flight claim expiry (epoch ms)
  last_error_code TEXT,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  completed_at INTEGER,
  UNIQUE (event_id, reaction)
);

CREATE INDEX deliveries_status ON deliveries (status, updated_at);
CREATE INDEX deliveries_connection ON deliveries (connection_id, status);

-- Every call made for a delivery, recorded before the call goes out (so a crash leaves a trace) and
-- completed after. Summaries never hold tokens or Authorization headers.
CREATE TABLE attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id TEXT NOT NULL REFERENCES deliveries (id),
  number INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  outcome TEXT,                        -- success | transient | permanent | unknown; NULL while in flight
  error_code TEXT,
  request_summary TEXT NOT NULL,       -- JSON: method, path, body excerpt
  response_status INTEGER,
  response_excerpt TEXT,
  duration_ms INTEGER,
  UNIQUE (delivery_id, number)
);
