DROP TABLE events;
DROP TABLE call_applications;
DROP TABLE post_tags;
DROP TRIGGER posts_search_update;
DROP TRIGGER posts_search_delete;
DROP TRIGGER posts_search_insert;
DROP TABLE post_search;
DROP TABLE posts;
