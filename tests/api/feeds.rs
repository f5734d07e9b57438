//! The Atom and iCalendar feeds, checked with real parsers: Python's `feedparser` and
//! `icalendar` (`.ci/run` installs both).

use std::io::Write as _;
use std::process::{Command, Stdio};

use entities_hub::domain::membership::MemberRole;
use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends};
use crate::support::{create_post, member_of, publish_post};

const READ_ATOM: &str = r#"
import json, sys, feedparser
feed = feedparser.parse(sys.stdin.buffer.read())
print(json.dumps({
    "bozo": bool(feed.bozo), "version": feed.version,
    "titles": [entry.title for entry in feed.entries],
    "tags": [[tag.term for tag in entry.get("tags", [])] for entry in feed.entries],
    "authors": [entry.get("author") for entry in feed.entries],
    "content": [entry.content[0].value for entry in feed.entries],
}))
"#;

const READ_ICS: &str = r#"
import json, sys, datetime, icalendar
calendar = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
events = [{
    "summary": str(event.get("summary")),
    "start": event.decoded("dtstart").astimezone(datetime.timezone.utc).isoformat(),
    "end": event.decoded("dtend").astimezone(datetime.timezone.utc).isoformat(),
    "tzid": event.get("dtstart").params.get("TZID"),
    "location": str(event.get("location")),
} for event in calendar.walk("VEVENT")]
zones = [str(zone.get("tzid")) for zone in calendar.walk("VTIMEZONE")]
print(json.dumps({"events": events, "zones": zones}))
"#;

/// Runs a Python script on `input` and reads the JSON it prints.
fn python(script: &str, input: &str) -> Value {
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the parser failed (are feedparser and icalendar installed?): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

async fn published(app: &TestApp, token: &str, input: Value) {
    let draft = create_post(app, token, "acb", input).await;
    publish_post(app, token, &draft["id"]).await;
}

async fn the_atom_feed_holds_public_posts_only(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    published(
        &app,
        &editor,
        json!({ "kind": "NEWS", "title": "Reefs & <mangroves>", "summary": "Short",
            "body": "**Bold** <script>x</script>", "tags": ["marine", "reefs"] }),
    )
    .await;
    published(
        &app,
        &editor,
        json!({ "kind": "NEWS", "title": "Members only", "visibility": "PLATFORM" }),
    )
    .await;
    create_post(
        &app,
        &editor,
        "acb",
        json!({ "kind": "NEWS", "title": "Draft" }),
    )
    .await;

    let response = app.get("/feeds/posts.atom").await;
    assert_eq!(
        response.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let feed = python(READ_ATOM, &response.text().await.unwrap());

    assert_eq!(feed["bozo"], false, "well-formed: {feed}");
    assert_eq!(feed["version"], "atom10");
    assert_eq!(feed["titles"], json!(["Reefs & <mangroves>"]));
    assert_eq!(feed["tags"], json!([["marine", "reefs"]]));
    assert_eq!(feed["authors"], json!(["ASEAN Centre for Biodiversity"]));
    let content = feed["content"][0].as_str().unwrap();
    assert!(content.contains("<strong>Bold</strong>") && !content.contains("script"));
}

async fn the_calendar_holds_public_events_in_their_time_zones(app: TestApp) {
    let editor = member_of(&app, "acb", MemberRole::Editor).await;
    let event = |title: &str, starts: &str, ends: &str, zone: &str, visibility: &str| {
        json!({ "kind": "EVENT", "title": title, "visibility": visibility,
            "event": { "startsAt": starts, "endsAt": ends, "timeZone": zone,
                "venue": "Hall 2, Los Baños; Laguna" } })
    };
    let soon = chrono::Utc::now() + chrono::Duration::days(30);
    let summer = format!("{}-07-01T07:00:00Z", chrono::Datelike::year(&soon) + 1);
    let summer_end = summer.replace("T07", "T15");
    for input in [
        event(
            "Manila forum",
            "2099-03-01T01:00:00Z",
            "2099-03-01T09:00:00Z",
            "Asia/Manila",
            "PUBLIC",
        ),
        event(
            "Berlin dialogue",
            &summer,
            &summer_end,
            "Europe/Berlin",
            "PUBLIC",
        ),
        event(
            "Closed meeting",
            "2099-03-02T01:00:00Z",
            "2099-03-02T09:00:00Z",
            "Asia/Manila",
            "PLATFORM",
        ),
    ] {
        published(&app, &editor, input).await;
    }
    published(
        &app,
        &editor,
        json!({ "kind": "NEWS", "title": "Not an event" }),
    )
    .await;

    let response = app.get("/feeds/events.ics").await;
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let calendar = python(READ_ICS, &response.text().await.unwrap());

    let events = calendar["events"].as_array().unwrap();
    let summaries: Vec<&str> = events
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert_eq!(summaries, ["Berlin dialogue", "Manila forum"], "{calendar}");
    let berlin = &events[0];
    assert_eq!(berlin["tzid"], "Europe/Berlin");
    assert_eq!(
        berlin["start"],
        summer.replace('Z', "+00:00"),
        "summer time applied"
    );
    let manila = &events[1];
    assert_eq!(manila["tzid"], "Asia/Manila");
    assert_eq!(manila["start"], "2099-03-01T01:00:00+00:00");
    assert_eq!(manila["end"], "2099-03-01T09:00:00+00:00");
    assert_eq!(manila["location"], "Hall 2, Los Baños; Laguna");
    assert_eq!(calendar["zones"], json!(["Asia/Manila", "Europe/Berlin"]));
}

on_both_backends!(
    the_atom_feed_holds_public_posts_only,
    the_calendar_holds_public_events_in_their_time_zones
);
