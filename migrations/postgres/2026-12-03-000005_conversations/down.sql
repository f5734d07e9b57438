ALTER TABLE events DROP COLUMN user_id;
DROP TABLE thread_reads;
DROP TABLE messages;
DROP TABLE thread_participants;
DROP TABLE threads;
