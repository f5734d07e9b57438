//! What an author may write in a post, checked before anything is stored.

use super::post::{CallDetails, EventDetails, PostKind, Visibility};
use super::validation::{FieldProblem, check_web_address, optional_text};
use crate::db::posts::PostContent;

/// The longest title, in characters.
pub const MAX_TITLE_LENGTH: usize = 300;
/// The most tags a post carries.
pub const MAX_TAGS: usize = 10;
const MAX_TAG_LENGTH: usize = 40;
const MAX_SUMMARY_LENGTH: usize = 1_000;
const MAX_BODY_LENGTH: usize = 100_000;

/// Everything a post says, whole: a new post, or an edit merged into a stored one.
#[derive(Clone, Debug, PartialEq)]
pub struct PostText {
    pub title: String,
    pub summary: Option<String>,
    pub body: String,
    pub tags: Vec<String>,
    pub visibility: Visibility,
    pub event: Option<EventDetails>,
    pub call: Option<CallDetails>,
}

/// Checks a post of `kind` and puts it in the terms the queries use, with its tags
/// lower-cased, without duplicates and sorted.
pub fn checked(
    kind: PostKind,
    text: &PostText,
) -> Result<(PostContent, Vec<String>), FieldProblem> {
    let title = text.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_LENGTH {
        return Err(FieldProblem::new(
            "title",
            "must be 1 to 300 characters long",
        ));
    }
    let title = optional_text("title", Some(title), MAX_TITLE_LENGTH)?.unwrap_or_default();
    let summary = optional_text("summary", text.summary.as_deref(), MAX_SUMMARY_LENGTH)?;
    let body = optional_text("body", Some(&text.body), MAX_BODY_LENGTH)?.unwrap_or_default();
    let tags = checked_tags(&text.tags)?;
    let mut content = PostContent {
        title,
        summary,
        body,
        visibility: text.visibility.as_str().to_owned(),
        starts_at: None,
        ends_at: None,
        time_zone: None,
        venue: None,
        online_url: None,
        registration_url: None,
        opens_at: None,
        deadline: None,
        eligibility: None,
    };

    match (kind, &text.event, &text.call) {
        (PostKind::Event, Some(event), None) => add_event(&mut content, event)?,
        (PostKind::Event, None, _) => {
            return Err(FieldProblem::new("event", "is required for an event"));
        }
        (PostKind::CallForApplications, None, Some(call)) => add_call(&mut content, call)?,
        (PostKind::CallForApplications, _, None) => {
            return Err(FieldProblem::new(
                "call",
                "is required for a call for applications",
            ));
        }
        (PostKind::News, None, None) => {}
        (_, Some(_), _) => {
            return Err(FieldProblem::new(
                "event",
                "is only for event announcements",
            ));
        }
        (_, _, Some(_)) => {
            return Err(FieldProblem::new(
                "call",
                "is only for calls for applications",
            ));
        }
    }

    Ok((content, tags))
}

fn add_event(content: &mut PostContent, event: &EventDetails) -> Result<(), FieldProblem> {
    if event.ends_at <= event.starts_at {
        return Err(FieldProblem::new("event.endsAt", "must be after the start"));
    }
    if event.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(FieldProblem::new(
            "event.timeZone",
            "must be an IANA time zone name, such as Asia/Jakarta",
        ));
    }
    let venue = optional_text("event.venue", event.venue.as_deref(), 300)?;
    let online_url = check_web_address("event.onlineUrl", event.online_url.as_deref())?;
    if venue.is_none() && online_url.is_none() {
        return Err(FieldProblem::new(
            "event.venue",
            "or event.onlineUrl is required: say where the event happens",
        ));
    }

    content.starts_at = Some(event.starts_at.naive_utc());
    content.ends_at = Some(event.ends_at.naive_utc());
    content.time_zone = Some(event.time_zone.clone());
    content.venue = venue;
    content.online_url = online_url;
    content.registration_url =
        check_web_address("event.registrationUrl", event.registration_url.as_deref())?;
    Ok(())
}

fn add_call(content: &mut PostContent, call: &CallDetails) -> Result<(), FieldProblem> {
    if call.opens_at.is_some_and(|opens| opens >= call.deadline) {
        return Err(FieldProblem::new(
            "call.deadline",
            "must be after the opening",
        ));
    }

    content.opens_at = call.opens_at.map(|at| at.naive_utc());
    content.deadline = Some(call.deadline.naive_utc());
    content.eligibility = optional_text("call.eligibility", call.eligibility.as_deref(), 5_000)?;
    Ok(())
}

/// Tags: each trimmed and lower-cased, 1 to 40 letters, digits or hyphens; at most ten.
fn checked_tags(tags: &[String]) -> Result<Vec<String>, FieldProblem> {
    let mut checked: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        let well_formed = (1..=MAX_TAG_LENGTH).contains(&tag.chars().count())
            && tag.chars().all(|c| c.is_alphanumeric() || c == '-');
        if !well_formed {
            return Err(FieldProblem::new(
                "tags",
                "must each be 1 to 40 letters, digits or hyphens",
            ));
        }
        checked.push(tag);
    }
    checked.sort();
    checked.dedup();
    if checked.len() > MAX_TAGS {
        return Err(FieldProblem::new("tags", "may hold at most 10 tags"));
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    fn news() -> PostText {
        PostText {
            title: "  Regional dialogue  ".into(),
            summary: None,
            body: "Body".into(),
            tags: vec!["Trade".into(), "trade".into(), " digital-economy ".into()],
            visibility: Visibility::Public,
            event: None,
            call: None,
        }
    }

    #[test]
    fn tags_are_lower_cased_and_deduplicated() {
        let (content, tags) = checked(PostKind::News, &news()).unwrap();

        assert_eq!(content.title, "Regional dialogue");
        assert_eq!(tags, ["digital-economy", "trade"]);
    }

    #[test]
    fn refuses_what_does_not_fit_the_kind() {
        let too_many_tags = PostText {
            tags: (0..11).map(|i| format!("t{i}")).collect(),
            ..news()
        };
        let bad_tag = PostText {
            tags: vec!["two words".into()],
            ..news()
        };
        let long_title = PostText {
            title: "x".repeat(301),
            ..news()
        };

        assert_eq!(
            checked(PostKind::News, &too_many_tags).unwrap_err().field,
            "tags"
        );
        assert_eq!(checked(PostKind::News, &bad_tag).unwrap_err().field, "tags");
        assert_eq!(
            checked(PostKind::News, &long_title).unwrap_err().field,
            "title"
        );
        assert_eq!(
            checked(PostKind::Event, &news()).unwrap_err().field,
            "event"
        );
        assert_eq!(
            checked(PostKind::CallForApplications, &news())
                .unwrap_err()
                .field,
            "call"
        );
    }

    #[test]
    fn an_event_ends_after_it_starts_in_a_real_time_zone() {
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let event = EventDetails {
            starts_at: start,
            ends_at: start,
            time_zone: "Asia/Jakarta".into(),
            venue: Some("Jakarta".into()),
            online_url: None,
            registration_url: None,
        };
        let text = |event: EventDetails| PostText {
            event: Some(event),
            ..news()
        };

        let same_time = checked(PostKind::Event, &text(event.clone()));
        let later = EventDetails {
            ends_at: start + chrono::Duration::hours(2),
            ..event
        };
        let bad_zone = EventDetails {
            time_zone: "Asia/Atlantis".into(),
            ..later.clone()
        };

        assert_eq!(same_time.unwrap_err().field, "event.endsAt");
        assert_eq!(
            checked(PostKind::Event, &text(bad_zone)).unwrap_err().field,
            "event.timeZone"
        );
        assert!(checked(PostKind::Event, &text(later)).is_ok());
    }
}
