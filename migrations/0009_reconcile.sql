-- Reconciliation of non-idempotent reactions (src/reactions/types.ts `reconcile`): what the recipe read before
-- its call (e.g. the loyalty user's stamp balance), kept as JSON while the call's outcome is ambiguous, so the
-- next attempt (any worker) can check the vendor before repeating it. NULL when nothing waits to be checked.
-- Holds ids and numbers only, never personal data.
ALTER TABLE deliveries ADD COLUMN reconcile_state TEXT;
