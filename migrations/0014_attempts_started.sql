-- The dashboard's charts (src/store/hourly-activity.ts) read the last 24 h of attempts by start time: without this
-- index that window is a scan of every attempt ever made. One more index entry per attempt written; no
-- statement more on the delivery path.
CREATE INDEX attempts_started ON attempts (started_at);
