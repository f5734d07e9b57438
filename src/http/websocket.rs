//! GraphQL over WebSocket on `/graphql`, in both protocols: `graphql-transport-ws` and the
//! legacy `graphql-ws`, chosen by the client's subprotocol.
//!
//! The client signs in with its `connection_init` payload: `{"Authorization": "Bearer …"}`
//! (also accepted: `authorization`, or `token` with the bare token). A bad token ends the
//! connection before it is acknowledged; no token means an anonymous connection. The token
//! is checked again for every operation, so one that expires stops working.

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade, close_code};
use axum::response::Response;
use futures::{SinkExt as _, StreamExt as _};
use serde_json::Value;

use super::AppState;
use crate::domain::accounts;
use crate::graphql::{ApiError, ConnectionToken};

/// What a socket reserves for reading.
const SOCKET_BUFFER_BYTES: usize = 4 << 10;

/// Upgrades the request and serves GraphQL operations on the socket until the client
/// leaves or the server shuts down; then the socket gets a close frame, code 1001.
pub fn upgrade(state: AppState, upgrade: WebSocketUpgrade, protocol: GraphQLProtocol) -> Response {
    // Tungstenite's defaults reserve 128 KiB per socket for reading: with thousands of idle
    // subscribers that is most of the server's memory. Messages of GraphQL over WebSocket
    // are small, and a larger one still fits, up to the request body limit.
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .read_buffer_size(SOCKET_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_message_size(state.limits.json)
        .on_upgrade(move |socket| async move {
            let closing = state.closing.clone();
            let _open = closing.socket_opened();
            let schema = state.schemas.websocket.clone();
            let (mut sink, stream) = socket.split();
            // Shutting down ends what the client sends, which ends the operations.
            let stream = stream.take_until({
                let closing = closing.clone();
                async move { closing.begun().await }
            });
            GraphQLWebSocket::new_with_pair(&mut sink, stream, schema, protocol)
                .on_connection_init(move |payload| connection_data(state, payload))
                .serve()
                .await;
            if closing.has_begun() {
                let frame = CloseFrame {
                    code: close_code::AWAY,
                    reason: "the server is shutting down; reconnect and resume with `after`".into(),
                };
                let _ = sink.send(Message::Close(Some(frame))).await;
            }
        })
}

/// Checks the `connection_init` payload's token, so that a bad one ends the connection at
/// once, and keeps it for the connection: each operation is authenticated again with it
/// (see `graphql::ConnectionToken`).
async fn connection_data(state: AppState, payload: Value) -> async_graphql::Result<Data> {
    let token = token_of(&payload).map(str::to_owned);
    if let Some(token) = &token {
        accounts::authenticate(&state.db, &state.tokens, token)
            .await
            .map_err(|error| match ApiError::from(error) {
                ApiError::Unauthenticated => {
                    async_graphql::Error::new("the token is invalid or expired; sign in again")
                }
                _ => async_graphql::Error::new("cannot check the token now; try again"),
            })?;
    }

    let mut data = Data::default();
    data.insert(ConnectionToken(token));
    Ok(data)
}

/// The bearer token in a `connection_init` payload, if any.
fn token_of(payload: &Value) -> Option<&str> {
    let header = payload
        .get("Authorization")
        .or_else(|| payload.get("authorization"))
        .and_then(Value::as_str)
        .map(|value| value.strip_prefix("Bearer ").unwrap_or(value));
    header
        .or_else(|| payload.get("token").and_then(Value::as_str))
        .map(str::trim)
}
