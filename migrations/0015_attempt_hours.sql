-- The dashboard's connection charts, rolled up by the every-minute cron (src/store/attempt-hours.ts): per
-- connection, finished hour and attempt outcome, how many attempts and the hour's p50 / p95 call time. Health
-- then reads a few rows per connection and hour instead of every attempt of the last 24 h; the attempts table
-- stays the truth (nothing on the delivery path writes here).
CREATE TABLE attempt_hours (
  connection_id TEXT NOT NULL,
  hour INTEGER NOT NULL,               -- epoch ms of the hour's start
  outcome TEXT NOT NULL,               -- success | transient | permanent | unknown
  n INTEGER NOT NULL,
  p50 INTEGER,                         -- the hour's, over all its finished calls (NULL: none finished)
  p95 INTEGER,
  PRIMARY KEY (hour, connection_id, outcome)
);

-- How far each roll-up got (epoch ms, exclusive): `attempt_hours` holds every hour before it.
CREATE TABLE rollups (
  name TEXT PRIMARY KEY,
  through INTEGER NOT NULL
);
