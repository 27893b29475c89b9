-- Retention of raw payloads and GDPR erasure (src/retention/).

-- Set when a completed erasure request removed a person's data from the event (src/retention/redact-erasures.ts).
ALTER TABLE events ADD COLUMN redacted_at INTEGER;  -- epoch ms
-- HMAC-SHA256(REDACTION_SALT, lower-case e-mail) of the erased person, hex: later events of the same address
-- can be recognised without the address being kept.
ALTER TABLE events ADD COLUMN email_hash TEXT;
-- Set when retention or an erasure removed the request and response bodies of an attempt.
ALTER TABLE attempts ADD COLUMN bodies_removed_at INTEGER;  -- epoch ms

-- Retention walks the oldest rows still holding bodies; rows already cleaned drop out of these indexes.
CREATE INDEX events_raw_kept ON events (received_at) WHERE raw_body IS NOT NULL;
CREATE INDEX attempts_bodies_kept ON attempts (started_at) WHERE bodies_removed_at IS NULL;

-- Erasure requests not carried out yet, by status (only `done` ones are: all their reactions succeeded).
CREATE INDEX events_erasures_pending ON events (status, received_at)
  WHERE type = 'customer.erasure_requested' AND redacted_at IS NULL;

-- Whom an event is about, from its canonical data: `data.email` / `data.customer_id` on customer events,
-- `data.customer.email` / `data.customer.id` on orders, coupons and stamps. src/store/redaction.ts queries
-- these exact expressions, so SQLite can use the indexes.
CREATE INDEX events_person_email ON events (
  coalesce(json_extract(event_json, '$.data.email'), json_extract(event_json, '$.data.customer.email'))
);
CREATE INDEX events_person_id ON events (
  vendor,
  coalesce(json_extract(event_json, '$.data.customer_id'), json_extract(event_json, '$.data.customer.id'))
);
CREATE INDEX events_email_hash ON events (email_hash) WHERE email_hash IS NOT NULL;
