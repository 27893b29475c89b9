-- Each reconciliation's verdict (src/delivery/run-delivery.ts reconcileFirst), per reaction and per what was
-- read (`check_name`, e.g. `stamp balance`, `loyalty user create`). A stamp balance back at its baseline reads
-- as not applied even when a redemption took the stamps away in between: the balance alone cannot tell the
-- two apart, so the stats count these verdicts and an operator sees how often it happens. Ids and names only.
CREATE TABLE reconciliations (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  reaction TEXT NOT NULL,
  check_name TEXT NOT NULL,
  verdict TEXT NOT NULL,               -- applied | not_applied | unknown | retry (the reading failed)
  at INTEGER NOT NULL,                 -- epoch ms
  PRIMARY KEY (delivery_id, attempt)
);
