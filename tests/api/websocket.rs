//! GraphQL over a real WebSocket, in both protocols, signed in through `connection_init`.

use std::time::Duration;

use entities_hub::domain::accounts;
use entities_hub::domain::membership::MemberRole;
use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::harness::{TestApp, on_both_backends, test_keys};
use crate::support::global_id;

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const VIEWER: &str = "{ viewer { email } organisations(first: 1) { totalCount } }";

pub async fn connect(app: &TestApp, protocol: &str) -> Socket {
    connect_to(&app.address, protocol).await
}

/// Opens a WebSocket to the server at `address` (`http://host:port`).
pub async fn connect_to(address: &str, protocol: &str) -> Socket {
    let url = format!("{}/graphql", address.replacen("http://", "ws://", 1));
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

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
}

/// Opens a `graphql-transport-ws` connection, signed in with `token` if given, and starts
/// the subscription `query` as operation `live`.
pub async fn subscribe(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Socket {
    subscribe_at(&app.address, token, query, variables).await
}

/// Like [`subscribe`], to the server at `address`.
pub async fn subscribe_at(
    address: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Socket {
    let mut socket = connect_to(address, "graphql-transport-ws").await;
    let payload = token.map_or(
        json!({}),
        |token| json!({ "Authorization": format!("Bearer {token}") }),
    );
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": payload }),
    )
    .await;
    assert_eq!(
        receive(&mut socket).await.unwrap()["type"],
        "connection_ack"
    );
    send(
        &mut socket,
        json!({ "id": "live", "type": "subscribe",
            "payload": { "query": query, "variables": variables } }),
    )
    .await;
    socket
}

/// The next JSON message, skipping keep-alives; `None` once the server closes.
pub async fn receive(socket: &mut Socket) -> Option<Value> {
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

async fn each_operation_over_a_socket_is_authorised_afresh(app: TestApp) {
    let token = signed_in_token(&app).await;
    let acb = entities_hub::domain::directory::organisation_by_slug(&app.db, "acb")
        .await
        .unwrap()
        .unwrap();
    let member = entities_hub::domain::accounts::authenticate(&app.db, &test_keys(), &token)
        .await
        .unwrap();
    let member_id = member.user().unwrap().id;
    let membership =
        entities_hub::domain::membership::enrol(&app.db, acb.id, member_id, MemberRole::Member)
            .await
            .unwrap()
            .unwrap();
    let members = r#"{ organisation(slug: "acb") { members { totalCount } } }"#;
    let mut socket = connect(&app, "graphql-transport-ws").await;
    let bearer = format!("Bearer {token}");
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "Authorization": bearer } }),
    )
    .await;
    receive(&mut socket).await.unwrap();

    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": members } }),
    )
    .await;
    let while_member = receive(&mut socket).await.unwrap();
    receive(&mut socket).await.unwrap();
    let owner = TestApp::owner_of_acb(&app).await;
    let remove = r#"mutation ($id: ID!) { removeMember(input: {membershipId: $id}) {
        removedMembershipId } }"#;
    let id = global_id("Membership", membership);
    app.data_as(&owner, remove, json!({ "id": id })).await;
    send(
        &mut socket,
        json!({ "id": "2", "type": "subscribe", "payload": { "query": members } }),
    )
    .await;
    let after_removal = receive(&mut socket).await.unwrap();

    assert_eq!(
        while_member["payload"]["data"]["organisation"]["members"]["totalCount"],
        1
    );
    assert_eq!(
        after_removal["payload"]["data"]["organisation"]["members"],
        Value::Null
    );
}

async fn the_alias_limit_holds_over_a_socket_too(app: TestApp) {
    let aliased: String = (0..65).map(|i| format!("a{i}: __typename ")).collect();
    let mut socket = connect(&app, "graphql-transport-ws").await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": {} }),
    )
    .await;
    receive(&mut socket).await.unwrap();

    let query = format!("{{ {aliased} }}");
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }),
    )
    .await;
    let answer = receive(&mut socket).await.unwrap();

    let errors = if answer["type"] == "error" {
        &answer["payload"]
    } else {
        &answer["payload"]["errors"]
    };
    assert!(
        errors[0]["message"].as_str().unwrap().contains("aliases"),
        "{answer}"
    );
}

on_both_backends!(
    each_operation_over_a_socket_is_authorised_afresh,
    the_alias_limit_holds_over_a_socket_too,
    graphql_transport_ws_signs_in_with_connection_init,
    a_bad_token_ends_the_connection_before_it_is_acknowledged,
    legacy_graphql_ws_serves_anonymous_queries
);
