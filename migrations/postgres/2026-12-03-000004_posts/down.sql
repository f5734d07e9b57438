DROP TABLE events;
DROP TABLE call_applications;
DROP TABLE post_tags;
DROP TABLE posts;
