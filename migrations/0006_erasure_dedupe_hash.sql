-- Erasure that completes whatever the vendors answer (src/retention/redact-erasures.ts), and de-duplication that
-- survives it (src/ingress/dedupe-key.ts).

-- HMAC-SHA256(REDACTION_SALT, dedupe key), hex, written at ingest for every event. An erasure may replace a key
-- that names the person by its marked hash; a late retry of that delivery is still found here, by the same
-- INSERT (its conflict), so the hot path keeps one query. NULL on rows stored before this migration: those are
-- still found by dedupe_key until an erasure sets the hash along with the redacted key.
ALTER TABLE events ADD COLUMN dedupe_hash TEXT;
CREATE UNIQUE INDEX events_dedupe_hash ON events (route, dedupe_hash);
-- Keys already redacted are their own hash behind the marker (src/retention/email-hash.ts redactedDedupeKey).
UPDATE events SET dedupe_hash = substr(dedupe_key, length('redacted:hmac-sha256:') + 1)
  WHERE dedupe_key LIKE 'redacted:hmac-sha256:%';

-- The canonical event a delivery still has to send after its event was redacted: only the erasure request's
-- own deletion delivery, while it has not succeeded or died (then NULL again), at most
-- RETENTION.erasure_hold_hours. It holds the address the vendor deletion needs, and nothing else of the person.
ALTER TABLE deliveries ADD COLUMN held_event_json TEXT;
CREATE INDEX deliveries_held ON deliveries (updated_at) WHERE held_event_json IS NOT NULL;
