//! The integration tests: one binary, real servers, real HTTP, on SQLite and PostgreSQL.

mod accreditation;
mod accreditation_documents;
mod annual_reports;
mod auth;
mod calls;
mod cli;
mod database;
mod directory;
mod directory_management;
mod feeds;
mod harness;
mod http_spec;
mod invitations;
mod live_conversations;
mod live_feed;
mod members;
mod node;
mod pagination;
mod partnerships;
mod playground;
mod post_lists;
mod posts;
mod schema_file;
mod support;
mod threads;
mod websocket;
