//! DataLoaders: every look-up by id in one request is batched into one query per type.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};

use super::error::ApiError;
use crate::db::Database;
use crate::domain::organisation::Organisation;
use crate::domain::user::{Actor, User};
use crate::domain::{accounts, directory};

/// The loaders of one request. They cache what they load, so they live no longer than it.
pub struct Loaders {
    pub organisations: DataLoader<OrganisationLoader>,
    pub users: DataLoader<UserLoader>,
}

impl Loaders {
    /// Loaders for a request made by `actor`.
    pub fn new(db: &Database, actor: &Actor) -> Self {
        Self {
            organisations: DataLoader::new(OrganisationLoader(db.clone()), tokio::spawn),
            users: DataLoader::new(UserLoader(db.clone(), actor.clone()), tokio::spawn),
        }
    }
}

/// Loads organisations by id.
pub struct OrganisationLoader(Database);

impl Loader<i64> for OrganisationLoader {
    type Value = Organisation;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Organisation>, ApiError> {
        Ok(directory::organisations_by_ids(&self.0, ids).await?)
    }
}

/// Loads the users the request's actor may see, by id.
pub struct UserLoader(Database, Actor);

impl Loader<i64> for UserLoader {
    type Value = User;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, User>, ApiError> {
        Ok(accounts::users_by_ids(&self.0, &self.1, ids).await?)
    }
}
