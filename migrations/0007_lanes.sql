-- Connection lanes (src/delivery/lane/): per-entity order of deliveries.

-- What a delivery writes upstream, e.g. `order:123` for an Ometria order push (NULL: nothing to order by).
ALTER TABLE deliveries ADD COLUMN entity_key TEXT;
-- The event's time (epoch ms): deliveries of one entity are applied in this order, older ones superseded.
ALTER TABLE deliveries ADD COLUMN event_seq INTEGER;
