-- The Membrane action run behind an attempt made through an action (POST /act answers `actionRunId`, also
-- on a failed run): an operator looks the run up in Membrane (GET /action-run-logs/{id}). NULL for proxy calls.
ALTER TABLE attempts ADD COLUMN action_run_id TEXT;
