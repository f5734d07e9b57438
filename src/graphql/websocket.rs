//! Who runs an operation that arrives over a WebSocket.
//!
//! A connection carries its token from `connection_init` for as long as it is open, but the
//! actor is found again for every operation: a token that expires, an account disabled or a
//! membership removed while the socket is open takes effect on the next operation. Each
//! operation also gets loaders of its own, so nothing cached outlives it.

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{Request, ServerResult};
use std::sync::Arc;

use super::error::ApiError;
use super::loaders::Loaders;
use crate::db::Database;
use crate::domain::accounts;
use crate::domain::token::TokenKeys;
use crate::domain::user::Actor;

/// The bearer token a WebSocket connection signed in with, if any; connection data.
#[derive(Clone, Debug)]
pub struct ConnectionToken(pub Option<String>);

/// Schema extension that authenticates each operation of a WebSocket connection. Requests
/// over HTTP carry their actor already and pass through.
pub struct ConnectionAuthentication;

impl ExtensionFactory for ConnectionAuthentication {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ConnectionAuthentication)
    }
}

#[async_trait::async_trait]
impl Extension for ConnectionAuthentication {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let Some(ConnectionToken(token)) = ctx.data_opt::<ConnectionToken>() else {
            return next.run(ctx, request).await;
        };
        let db = ctx.data_unchecked::<Database>();
        let actor = match token {
            None => Actor::anonymous(),
            Some(token) => {
                let keys = ctx.data_unchecked::<TokenKeys>();
                accounts::authenticate(db, keys, token)
                    .await
                    .map_err(|error| {
                        let error = async_graphql::Error::from(ApiError::from(error));
                        error.into_server_error(Default::default())
                    })?
            }
        };
        let request = request.data(Loaders::new(db, &actor)).data(actor);

        next.run(ctx, request).await
    }
}
