//! The playground in a real browser: headless Chromium loads `/`, runs GraphiQL from the
//! server's own assets, and GraphiQL introspects the schema.

use std::time::Duration;

use serde_json::json;

use crate::harness::{TestApp, on_both_backends};

/// Headless Chromium, or `None` to skip outside CI (in CI a missing browser fails the test).
fn chromium() -> Option<&'static str> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|path| std::path::Path::new(path).exists());
    if found.is_none() && std::env::var_os("CI").is_some() {
        panic!("CI must run the browser test: install Debian's chromium");
    }
    found
}

/// Successful responses the server has sent so far, from `/metrics`.
async fn successful_responses(app: &TestApp) -> u64 {
    let metrics = app.get("/metrics").await.text().await.unwrap();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("hub_http_responses_total{class=\"2xx\"} "))
        .and_then(|count| count.parse().ok())
        .expect("the 2xx counter")
}

async fn graphiql_renders_and_introspects_offline(app: TestApp) {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium");
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let before = successful_responses(&app).await;

    let output = tokio::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args([
            "--virtual-time-budget=10000",
            "--dump-dom",
            &format!("{}/", app.address),
        ])
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), output)
        .await
        .expect("chromium finishes")
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&output.stdout);
    let served = successful_responses(&app).await - before - 1;

    assert!(
        dom.contains("graphiql-container"),
        "GraphiQL did not render: {dom:.2000}"
    );
    assert!(
        dom.contains("organisations"),
        "the default query is in the editor"
    );
    // The page, its five assets, and GraphiQL's introspection query.
    assert!(served >= 7, "only {served} successful responses");
    let schema = app
        .data("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(schema["__schema"]["queryType"]["name"], "Query");
}

on_both_backends!(graphiql_renders_and_introspects_offline);
