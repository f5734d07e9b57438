//! DataLoaders: every look-up by id in one request is batched into one query per type.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};

use super::error::ApiError;
use crate::db::Database;
use crate::domain::directory;
use crate::domain::organisation::Organisation;

/// The loaders of one request. They cache what they load, so they live no longer than it.
pub struct Loaders {
    pub organisations: DataLoader<OrganisationLoader>,
}

impl Loaders {
    pub fn new(db: &Database) -> Self {
        let organisations = DataLoader::new(OrganisationLoader(db.clone()), tokio::spawn);
        Self { organisations }
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
