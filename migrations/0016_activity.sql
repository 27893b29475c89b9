-- The admin activity feed (GET /admin/api/activity, `npm run tail`) reads deliveries in the order they were
-- planned and attempts in the order they finished, from a cursor: these keep each read to the rows returned.
CREATE INDEX deliveries_created ON deliveries (created_at, id);
CREATE INDEX attempts_finished ON attempts (finished_at, id) WHERE finished_at IS NOT NULL;
