//! The platform's rules: who may do what, how things change state, what input is valid.
//!
//! Nothing here knows HTTP or GraphQL; the API layers call in and map the results.

pub mod accounts;
pub mod accreditation;
pub mod accreditation_feed;
pub mod annual_reports;
pub mod call_applications;
pub mod conversation_feed;
pub mod directory;
pub mod directory_management;
pub mod documents;
mod error;
pub mod feed;
pub mod invitations;
pub mod markdown;
pub mod membership;
pub mod messages;
pub mod organisation;
pub mod pagination;
pub mod partnerships;
pub mod password;
pub mod permissions;
pub mod post;
pub mod post_feed;
pub mod post_input;
pub mod post_writing;
pub mod posts;
pub mod sample_directory;
pub mod sample_posts;
pub mod sign_in;
mod text_enum;
pub mod threads;
pub mod token;
pub mod user;
pub mod validation;

pub use error::DomainError;
