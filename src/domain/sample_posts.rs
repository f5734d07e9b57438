//! Sample posts for a new embedded database, so that the lists, search, the feeds and the
//! calendar show something on first run. Every one of them is fictional and says so.

use chrono::{TimeDelta, Utc};

use super::DomainError;
use super::accounts;
use super::post::{CallDetails, EventDetails};
use super::post::{PostKind, Visibility};
use super::post_feed::PostFeed;
use super::post_input::PostText;
use super::post_writing::{self, NewPostDraft};
use crate::db::Database;

const NOTE: &str = "\n\n*This is fictional sample content that comes with a new database.*";

/// Writes and publishes the sample posts of `organisation_id` as `author_id`, one of its
/// editors or above.
pub async fn publish_samples(
    db: &Database,
    feed: &PostFeed,
    author_id: i64,
    organisation_id: i64,
) -> Result<(), DomainError> {
    let actor = accounts::actor_for(db, author_id)
        .await?
        .ok_or(DomainError::NotFound)?;
    let now = Utc::now();
    let day = |n: i64| now + TimeDelta::days(n);

    let samples = [
        (
            PostKind::News,
            text(
                "Sample: regional think tanks meet on the digital economy",
                "Researchers from across the region compared notes on data flows and trade.",
                "Participants agreed to share **open datasets** on cross-border e-commerce \
                 and to meet again next year.",
                &["digital-economy", "trade"],
            ),
        ),
        (
            PostKind::Event,
            PostText {
                event: Some(EventDetails {
                    starts_at: day(21),
                    ends_at: day(21) + TimeDelta::hours(6),
                    time_zone: "Asia/Kuala_Lumpur".into(),
                    venue: Some("Sample venue, Kuala Lumpur".into()),
                    online_url: Some("https://example.org/sample-roundtable".into()),
                    registration_url: Some("https://example.org/sample-register".into()),
                }),
                ..text(
                    "Sample: roundtable on maritime cooperation",
                    "A one-day roundtable, in person and online.",
                    "Speakers from research institutes discuss maritime cooperation and \
                     fisheries.",
                    &["maritime", "security"],
                )
            },
        ),
        (
            PostKind::CallForApplications,
            PostText {
                call: Some(CallDetails {
                    opens_at: None,
                    deadline: day(45),
                    eligibility: Some("Accredited entities and ASEAN centres.".into()),
                }),
                ..text(
                    "Sample: call for research partners on climate adaptation",
                    "Apply to join a joint study on climate adaptation in coastal cities.",
                    "We look for partner organisations with field experience in coastal \
                     cities. Apply with a short statement.",
                    &["climate", "research"],
                )
            },
        ),
    ];

    for (kind, text) in samples {
        let draft = NewPostDraft {
            organisation_id,
            kind,
            text,
        };
        let post = post_writing::create_post(db, &actor, draft)
            .await?
            .map_err(|problem| DomainError::Internal(format!("bad sample post: {problem:?}")))?;
        post_writing::publish_post(db, feed, &actor, post.id)
            .await?
            .map_err(|problem| DomainError::Internal(format!("cannot publish: {problem:?}")))?;
    }

    Ok(())
}

fn text(title: &str, summary: &str, body: &str, tags: &[&str]) -> PostText {
    PostText {
        title: title.to_owned(),
        summary: Some(summary.to_owned()),
        body: format!("{body}{NOTE}"),
        tags: tags.iter().map(|tag| (*tag).to_owned()).collect(),
        visibility: Visibility::Public,
        event: None,
        call: None,
    }
}
