-- A profile's recent reviews (/api/discover/:id: newest first, ties by id) read off one index
-- in their order: reviews_reviewee (001) ended at created_at, so every read, even of a user
-- with no review, set up and tore down a sorter for the id tie-break (~27k instructions of
-- the route's ~190k). The new index serves every prefix the old one did.
CREATE INDEX reviews_recent ON reviews (reviewee_id, created_at DESC, id DESC);
DROP INDEX IF EXISTS reviews_reviewee;
