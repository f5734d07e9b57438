//! The platform's rules: who may do what, how things change state, what input is valid.
//!
//! Nothing here knows HTTP or GraphQL; the API layers call in and map the results.

pub mod directory;
mod error;
pub mod organisation;
pub mod pagination;
pub mod sample_directory;
mod text_enum;

pub use error::DomainError;
