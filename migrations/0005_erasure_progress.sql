-- Progress of erasure requests (src/retention/redact-erasures.ts).

-- When the cron last tried to carry out this erasure request (epoch ms). Requests are taken never-tried first,
-- then least recently tried, so one that keeps waiting (events of the person still in progress, a backlog of
-- more than one run's worth of events) rotates to the back instead of holding every later request up.
ALTER TABLE events ADD COLUMN redaction_attempted_at INTEGER;

-- Replaces events_erasures_pending (0004): same rows, in the order the cron takes them.
DROP INDEX events_erasures_pending;
CREATE INDEX events_erasures_to_redact ON events (status, redaction_attempted_at, received_at)
  WHERE type = 'customer.erasure_requested' AND redacted_at IS NULL;
