-- Operator pauses (admin API). Deliveries of a paused route or Membrane connection wait unclaimed, with no
-- attempt spent, until the pause is lifted; ingress keeps accepting the route's webhooks meanwhile.
CREATE TABLE pauses (
  kind TEXT NOT NULL CHECK (kind IN ('route', 'connection')),
  name TEXT NOT NULL,                  -- route name, or Membrane connection id
  paused_at INTEGER NOT NULL,          -- epoch ms
  PRIMARY KEY (kind, name)
);

-- The admin event list: newest first, paginated by keyset over (received_at, id).
CREATE INDEX events_received ON events (received_at, id);
