//! entities-hub: the GraphQL API of the platform of the entities and centres associated
//! with ASEAN.

pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod graphql;
pub mod http;
pub mod live;
pub mod startup;
pub mod telemetry;
