-- Which vendor user a person's e-mail maps to, per connection and scope (a loyalty card), once a delivery found
-- or created it (src/store/vendor-users.ts): a returning customer needs no lookup of the card. `person_hash` is
-- the keyed hash of the lower-case e-mail (REDACTION_SALT), the one an erasure computes, so erasing the person
-- deletes their rows; the address itself is never stored here.
CREATE TABLE vendor_users (
  connection_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  person_hash TEXT NOT NULL,
  user_id TEXT NOT NULL,
  updated_at INTEGER NOT NULL,         -- epoch ms
  PRIMARY KEY (connection_id, scope, person_hash)
);
CREATE INDEX vendor_users_person ON vendor_users (person_hash);
