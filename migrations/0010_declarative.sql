-- Finding an event by what it carries (admin API and dashboard, issue 10).

-- HMAC-SHA256(REDACTION_SALT, lower-case e-mail) of the address the event is about (data.email or
-- data.customer.email), written at ingest: an operator finds a customer's events by e-mail without the
-- address being searchable in clear. An erasure leaves it, as it leaves events.email_hash.
ALTER TABLE events ADD COLUMN search_email_hash TEXT;
CREATE INDEX events_search_email_hash ON events (search_email_hash, received_at)
  WHERE search_email_hash IS NOT NULL;

-- src/store/event-list.ts queries these exact expressions, so SQLite can use the indexes.
CREATE INDEX events_vendor_event_id ON events (json_extract(event_json, '$.vendoreventid'));
CREATE INDEX events_order_id ON events (json_extract(event_json, '$.data.order_id'));
CREATE INDEX events_subject ON events (subject);
