-- The newest posts of each organisation, for its `posts` and for first pages of them
-- fetched for many organisations at once.
CREATE INDEX posts_organisation_listed ON posts (organisation_id, coalesce(published_at, created_at), id);
