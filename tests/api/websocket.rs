//! GraphQL over a real WebSocket, in both protocols, signed in through `connection_init`.

use std::time::Duration;

use entities_hub::domain::accounts;
use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::harness::{TestApp, on_both_backends};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const VIEWER: &str = "{ viewer { email } organisations(first: 1) { totalCount } }";

async fn connect(app: &TestApp, protocol: &str) -> Socket {
    let url = format!("{}/graphql", app.address.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", protocol.parse().unwrap());
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("an upgrade");
    assert_eq!(response.headers()["sec-websocket-protocol"], protocol);
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
}

/// The next JSON message, skipping keep-alives; `None` once the server closes.
async fn receive(socket: &mut Socket) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .expect("the server answers");
        match message {
            Some(Ok(Message::Text(text))) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] != "ka" {
                    return Some(value);
                }
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(other)) => panic!("unexpected {other:?}"),
        }
    }
}

async fn signed_in_token(app: &TestApp) -> String {
    let password = "a long enough password";
    accounts::create_user(&app.db, "member@centre.example", "Member", password, None)
        .await
        .unwrap()
        .unwrap();
    let sign_in = r#"mutation { signIn(input: {email: "member@centre.example",
        password: "a long enough password"}) { token } }"#;
    app.data(sign_in, json!({})).await["signIn"]["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn graphql_transport_ws_signs_in_with_connection_init(app: TestApp) {
    let token = signed_in_token(&app).await;
    let mut socket = connect(&app, "graphql-transport-ws").await;

    let bearer = format!("Bearer {token}");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": bearer } });
    send(&mut socket, init).await;
    let ack = receive(&mut socket).await;
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": VIEWER } }),
    )
    .await;
    let next = receive(&mut socket).await.unwrap();
    let complete = receive(&mut socket).await.unwrap();

    assert_eq!(ack.unwrap()["type"], "connection_ack");
    assert_eq!(next["type"], "next");
    assert_eq!(
        next["payload"]["data"]["viewer"]["email"],
        "member@centre.example"
    );
    assert_eq!(next["payload"]["data"]["organisations"]["totalCount"], 29);
    assert_eq!(complete, json!({ "type": "complete", "id": "1" }));
}

async fn a_bad_token_ends_the_connection_before_it_is_acknowledged(app: TestApp) {
    let mut modern = connect(&app, "graphql-transport-ws").await;
    let mut legacy = connect(&app, "graphql-ws").await;
    let init =
        json!({ "type": "connection_init", "payload": { "Authorization": "Bearer forged" } });

    send(&mut modern, init.clone()).await;
    send(&mut legacy, init).await;

    assert_eq!(
        receive(&mut modern).await,
        None,
        "closed without an acknowledgement"
    );
    assert_eq!(
        receive(&mut legacy).await.unwrap()["type"],
        "connection_error"
    );
}

async fn legacy_graphql_ws_serves_anonymous_queries(app: TestApp) {
    let mut socket = connect(&app, "graphql-ws").await;

    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": {} }),
    )
    .await;
    let ack = receive(&mut socket).await.unwrap();
    send(
        &mut socket,
        json!({ "id": "7", "type": "start", "payload": { "query": VIEWER } }),
    )
    .await;
    let data = receive(&mut socket).await.unwrap();

    assert_eq!(ack["type"], "connection_ack");
    assert_eq!(data["type"], "data");
    assert_eq!(data["payload"]["data"]["viewer"], Value::Null);
    assert_eq!(data["payload"]["data"]["organisations"]["totalCount"], 29);
}

on_both_backends!(
    graphql_transport_ws_signs_in_with_connection_init,
    a_bad_token_ends_the_connection_before_it_is_acknowledged,
    legacy_graphql_ws_serves_anonymous_queries
);
