-- Every accepted delivery: the raw body and audit headers as received, and the canonical event built from it.
-- Written before the bridge answers; UNIQUE (route, dedupe_key) is the exact de-duplication.
CREATE TABLE events (
  id TEXT PRIMARY KEY,                 -- canonical event id (UUIDv7, time-ordered)
  route TEXT NOT NULL,
  vendor TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  type TEXT NOT NULL,                  -- canonical type, or 'hookbridge.unrecognized'
  vendor_event_type TEXT,
  subject TEXT,
  -- accepted -> queued -> processing -> done | failed | unrecognized | rejected (see src/store/events.ts)
  status TEXT NOT NULL,
  status_reason TEXT,                  -- why an event is failed or rejected, for operators
  -- verified | pending_confirmation (Coupontools' callback still to come) | confirmed | not_genuine
  verification TEXT NOT NULL,
  received_at INTEGER NOT NULL,        -- epoch ms
  queued_at INTEGER,                   -- NULL until the queue accepted the event id (the outbox marker)
  event_json TEXT NOT NULL,            -- the CloudEvent
  raw_body TEXT,                       -- NULL once retention has removed it
  raw_headers TEXT NOT NULL,           -- JSON object of the audit headers kept (never secrets)
  UNIQUE (route, dedupe_key)
);

CREATE INDEX events_unqueued ON events (received_at) WHERE queued_at IS NULL;
CREATE INDEX events_route_received ON events (route, received_at);
CREATE INDEX events_status ON events (status, received_at);
