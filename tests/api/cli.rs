//! The `entities-hub` command as an operator runs it.

use std::process::Stdio;
use std::time::Duration;

use entities_hub::db::DatabaseUrl;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::Command;

use crate::harness::{Backend, TOKEN_SECRET, TestDatabase, on_each_backend, postgres_admin_url};

pub fn hub() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_entities-hub"));
    command
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info")
        .kill_on_drop(true);
    command
}

/// Runs the command to its end; returns whether it succeeded, stdout and stderr.
async fn run(command: &mut Command) -> (bool, String, String) {
    let output = command.output().await.expect("the binary runs");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("UTF-8 output");
    (
        output.status.success(),
        text(output.stdout),
        text(output.stderr),
    )
}

pub fn url_text(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Postgres(url) => url.clone(),
        DatabaseUrl::Sqlite(path) => path.display().to_string(),
    }
}

#[tokio::test]
async fn a_bad_database_url_is_one_clear_line() {
    let (ok, _, stderr) = run(hub().args(["--database-url", "mysql://db/hub", "migrate"])).await;

    assert!(!ok);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("unsupported database URL scheme `mysql`"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_one_clear_line() {
    let url = "postgres://hub:secret@127.0.0.1:1/hub";

    let (ok, _, stderr) = run(hub().args(["migrate"]).env("DATABASE_URL", url)).await;

    assert!(!ok);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot connect to PostgreSQL"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("secret"),
        "the password stays out of messages: {stderr}"
    );
}

#[tokio::test]
async fn a_missing_postgres_database_says_to_create_it() {
    let Some(admin_url) = postgres_admin_url() else {
        return;
    };
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(base, _)| base);
    let url = format!("{base}/hub_no_such_database");

    let (ok, _, stderr) = run(hub().args(["migrate"]).env("DATABASE_URL", url)).await;

    assert!(!ok);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("does not exist") && stderr.contains("create it first"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_schema_command_prints_the_committed_sdl() {
    let (ok, stdout, _) = run(hub().arg("schema")).await;

    assert!(ok);
    assert!(
        stdout == include_str!("../../schema.graphql"),
        "schema.graphql is stale"
    );
}

#[tokio::test]
async fn help_names_every_environment_variable() {
    let (ok, stdout, _) = run(hub().arg("--help")).await;

    assert!(ok);
    for variable in [
        "DATABASE_URL",
        "HUB_LISTEN",
        "HUB_LOG_FORMAT",
        "HUB_DB_POOL_SIZE",
        "HUB_DB_WAIT_MS",
        "HUB_MAX_BODY_BYTES",
        "HUB_MAX_QUERY_DEPTH",
        "HUB_MAX_QUERY_COMPLEXITY",
        "HUB_MAX_QUERY_ALIASES",
        "HUB_CORS_ORIGINS",
        "HUB_SHUTDOWN_GRACE_SECS",
        "HUB_NO_SAMPLE_DATA",
    ] {
        assert!(
            stdout.contains(&format!("env: {variable}")),
            "{variable} missing from --help"
        );
    }
}

#[tokio::test]
async fn the_default_database_is_created_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();

    let (ok, stdout, stderr) = run(hub().arg("seed").current_dir(dir.path())).await;

    assert!(ok, "{stderr}");
    assert!(dir.path().join("data/hub.db").is_file());
    assert_eq!(
        stdout.trim(),
        "sample directory: 29 inserted, 0 updated, 0 unchanged"
    );
}

async fn serve_logs_one_line_then_stops_cleanly_on_sigterm(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = hub()
        .env("DATABASE_URL", url_text(&database.url))
        .env("HUB_LISTEN", format!("127.0.0.1:{port}"))
        .env("HUB_SHUTDOWN_GRACE_SECS", "5")
        .env("HUB_TOKEN_SECRET", TOKEN_SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut stderr = BufReader::new(server.stderr.take().unwrap()).lines();
    let mut stdout = BufReader::new(server.stdout.take().unwrap()).lines();

    let first_line = tokio::time::timeout(Duration::from_secs(60), stderr.next_line())
        .await
        .expect("a log line in time")
        .unwrap()
        .expect("a log line");
    let client = reqwest::Client::new();
    let response = client
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .json(&serde_json::json!({
            "query": "{ organisations { totalCount } posts { totalCount } }"
        }))
        .send()
        .await
        .expect("the server answers");
    let body: serde_json::Value = response.json().await.unwrap();
    let demo_sign_in = match backend {
        Backend::Sqlite => Some(sign_in_as_demo_admin(&client, port, &mut stdout).await),
        Backend::Postgres => None,
    };
    let mut subscriber = crate::websocket::subscribe_at(
        &format!("http://127.0.0.1:{port}"),
        None,
        "subscription { postPublished { post { title } } }",
        serde_json::json!({}),
    )
    .await;
    Command::new("kill")
        .args(["-TERM", &server.id().unwrap().to_string()])
        .status()
        .await
        .unwrap();
    let close = loop {
        use futures::StreamExt as _;
        use tokio_tungstenite::tungstenite::Message;
        match tokio::time::timeout(Duration::from_secs(30), subscriber.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => {}
            other => panic!("no close frame but {other:?}"),
        }
    };
    let status = tokio::time::timeout(Duration::from_secs(30), server.wait())
        .await
        .expect("the server stops within its grace period")
        .unwrap();
    let mut rest = Vec::new();
    while let Ok(Some(line)) = stderr.next_line().await {
        rest.push(line);
    }
    let mut printed = Vec::new();
    while let Ok(Some(line)) = stdout.next_line().await {
        printed.push(line);
    }

    assert!(
        first_line.contains(&format!("playground at http://127.0.0.1:{port}/")),
        "{first_line}"
    );
    assert_eq!(body["data"]["organisations"]["totalCount"], 29);
    // Sample posts come with the demo accounts, on a new SQLite database only.
    let sample_posts = if backend == Backend::Sqlite { 3 } else { 0 };
    assert_eq!(body["data"]["posts"]["totalCount"], sample_posts, "{body}");
    assert!(status.success(), "exit status {status}");
    let close = close.expect("a close frame with a code");
    assert_eq!(u16::from(close.code), 1001, "going away: {close:?}");
    assert!(
        rest.iter().any(|line| line.contains("request answered")),
        "{rest:?}"
    );
    assert!(
        rest.iter().any(|line| line.contains("shutting down")),
        "{rest:?}"
    );
    assert!(
        rest.iter()
            .all(|line| line.contains("request answered") || line.contains("shutting down")),
        "only access-log lines and the shutdown line follow: {rest:?}"
    );
    match demo_sign_in {
        // On a new SQLite database the demo admin's password is printed once, and works.
        Some(viewer) => assert_eq!(viewer["platformRole"], "SECRETARIAT_ADMIN"),
        // Production never gets demo accounts.
        None => assert!(printed.is_empty(), "{printed:?}"),
    }
}

/// Reads the demo admin's password from the server's output and signs in with it.
async fn sign_in_as_demo_admin(
    client: &reqwest::Client,
    port: u16,
    stdout: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
) -> serde_json::Value {
    let mut password = None;
    while password.is_none() {
        let line = stdout
            .next_line()
            .await
            .unwrap()
            .expect("the demo account is printed");
        password = line
            .split_once("password: ")
            .map(|(_, p)| p.trim().to_owned());
    }
    let sign_in = "mutation ($email: String!, $password: String!) {
        signIn(input: {email: $email, password: $password}) { token } }";
    let variables = serde_json::json!({ "email": "demo-admin@example.org", "password": password });
    let url = format!("http://127.0.0.1:{port}/graphql");
    let body: serde_json::Value = client
        .post(&url)
        .json(&serde_json::json!({ "query": sign_in, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = body["data"]["signIn"]["token"].as_str().expect("a token");
    let viewer: serde_json::Value = client
        .post(&url)
        .bearer_auth(token)
        .json(&serde_json::json!({ "query": "{ viewer { platformRole } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    viewer["data"]["viewer"].clone()
}

on_each_backend!(serve_logs_one_line_then_stops_cleanly_on_sigterm);

/// Runs `admin create` against `url`, writing `password` and a newline to its input.
async fn admin_create(url: &str, email: &str, password: &str) -> (bool, String, String) {
    use tokio::io::AsyncWriteExt as _;
    let mut child = hub()
        .args(["admin", "create", "--email", email, "--name", "Siti Admin"])
        .env("DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{password}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (
        output.status.success(),
        text(output.stdout),
        text(output.stderr),
    )
}

async fn admin_create_takes_the_password_from_standard_input(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let url = url_text(&database.url);

    let created = admin_create(&url, "Siti@ASEAN.example", "a long admin password").await;
    let again = admin_create(&url, "siti@asean.example", "a long admin password").await;
    let short = admin_create(&url, "other@asean.example", "short").await;

    assert!(created.0, "{}", created.2);
    assert!(
        created
            .1
            .contains("created Secretariat admin siti@asean.example")
    );
    assert!(
        !again.0 && again.2.contains("exists already"),
        "{}",
        again.2
    );
    assert!(
        !short.0 && short.2.contains("at least 12 characters"),
        "{}",
        short.2
    );
    assert_eq!(short.2.lines().count(), 1, "{}", short.2);
    let app = crate::harness::TestApp::start(database, |_| {}).await;
    let sign_in = "mutation { signIn(input: {email: \"siti@asean.example\",
        password: \"a long admin password\"}) { user { platformRole } } }";
    let data = app.data(sign_in, serde_json::json!({})).await;
    assert_eq!(data["signIn"]["user"]["platformRole"], "SECRETARIAT_ADMIN");
}

async fn no_password_reaches_the_logs_even_at_trace_level(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let url = url_text(&database.url);
    let password = "a-very-secret-passphrase";
    assert!(admin_create(&url, "siti@asean.example", password).await.0);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = hub()
        .env("DATABASE_URL", &url)
        .env("HUB_LISTEN", format!("127.0.0.1:{port}"))
        .env("HUB_TOKEN_SECRET", TOKEN_SECRET)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut stderr = BufReader::new(server.stderr.take().unwrap()).lines();
    let mut log = Vec::new();
    while let Some(line) = stderr.next_line().await.unwrap() {
        let ready = line.contains("playground at");
        log.push(line);
        if ready {
            break;
        }
    }

    let client = reqwest::Client::new();
    let mut answers = Vec::new();
    for attempt in [password, "a-wrong-secret-passphrase"] {
        let query = format!(
            "mutation {{ signIn(input: {{email: \"siti@asean.example\", password: \"{attempt}\"}}) \
             {{ token userErrors {{ message }} }} }}"
        );
        let response = client
            .post(format!("http://127.0.0.1:{port}/graphql"))
            .json(&serde_json::json!({ "query": query }))
            .send()
            .await
            .unwrap();
        answers.push(response.text().await.unwrap());
    }
    Command::new("kill")
        .args(["-TERM", &server.id().unwrap().to_string()])
        .status()
        .await
        .unwrap();
    while let Ok(Some(line)) = stderr.next_line().await {
        log.push(line);
    }
    let log = log.join("\n");

    assert!(answers[0].contains("\"token\":\"ey"), "{}", answers[0]);
    assert!(log.contains("statement sent"), "trace logging was on");
    for secret in [
        password,
        "a-wrong-secret-passphrase",
        "siti@asean.example",
        "$argon2",
    ] {
        assert!(!log.contains(secret), "`{secret}` in the log");
        assert!(
            !answers.iter().any(|answer| answer.contains(secret)),
            "`{secret}` in an answer"
        );
    }
}

async fn a_disabled_account_is_shut_out_at_once(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let url = url_text(&database.url);
    assert!(
        admin_create(&url, "siti@asean.example", "a long admin password")
            .await
            .0
    );
    let app = crate::harness::TestApp::start(database, |_| {}).await;
    let sign_in = "mutation { signIn(input: {email: \"siti@asean.example\",
        password: \"a long admin password\"}) { token userErrors { code } } }";
    let token = app.data(sign_in, serde_json::json!({})).await["signIn"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = |command: &'static str, email: &'static str| {
        let url = url.clone();
        async move {
            run(hub()
                .args(["admin", command, "--email", email])
                .env("DATABASE_URL", url))
            .await
        }
    };

    let disabled = admin("disable", "Siti@ASEAN.example").await;
    let with_token = app
        .post_with_token(&token, "{ viewer { email } }", serde_json::json!({}))
        .await;
    let signing_in = app.data(sign_in, serde_json::json!({})).await;
    let enabled = admin("enable", "siti@asean.example").await;
    let again = app.data(sign_in, serde_json::json!({})).await;
    let unknown = admin("disable", "nobody@asean.example").await;

    assert!(disabled.0, "{}", disabled.2);
    assert_eq!(with_token.status(), 401);
    assert_eq!(
        signing_in["signIn"]["userErrors"][0]["code"],
        "INVALID_CREDENTIALS"
    );
    assert!(enabled.0, "{}", enabled.2);
    assert!(again["signIn"]["token"].is_string());
    assert!(
        !unknown.0 && unknown.2.lines().count() == 1,
        "{}",
        unknown.2
    );
}

#[tokio::test]
async fn postgres_without_a_token_secret_is_one_clear_line() {
    let Some(admin_url) = postgres_admin_url() else {
        return;
    };

    let (ok, _, stderr) = run(hub().arg("serve").env("DATABASE_URL", admin_url)).await;

    assert!(!ok);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("HUB_TOKEN_SECRET is required with PostgreSQL"),
        "{stderr}"
    );
}

on_each_backend!(
    a_disabled_account_is_shut_out_at_once,
    admin_create_takes_the_password_from_standard_input,
    no_password_reaches_the_logs_even_at_trace_level
);
