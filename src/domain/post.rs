//! Posts: news, event announcements and calls for applications, and what each kind holds.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::DomainError;
use super::text_enum::text_enum;
use crate::db::posts::PostRow;

text_enum! {
    /// What a post announces.
    pub enum PostKind {
        News => "NEWS",
        Event => "EVENT",
        CallForApplications => "CALL_FOR_APPLICATIONS",
    }
}

text_enum! {
    /// Who may read a published post.
    pub enum Visibility {
        /// Anyone, signed in or not, and the public feeds.
        Public => "PUBLIC",
        /// Signed-in members of any organisation, and the Secretariat.
        Platform => "PLATFORM",
    }
}

text_enum! {
    /// Where a post is in its life: draft, then published, then archived.
    pub enum PostStatus {
        Draft => "DRAFT",
        Published => "PUBLISHED",
        Archived => "ARCHIVED",
    }
}

/// What only some kinds of post have.
#[derive(Clone, Debug, PartialEq)]
pub enum PostDetails {
    News,
    Event(EventDetails),
    Call(CallDetails),
}

/// When and where an event happens.
#[derive(Clone, Debug, PartialEq)]
pub struct EventDetails {
    pub starts_at: DateTime<Utc>,
    /// After `starts_at`.
    pub ends_at: DateTime<Utc>,
    /// The IANA name of the zone the event keeps its local times in, such as `Asia/Jakarta`.
    pub time_zone: String,
    pub venue: Option<String>,
    pub online_url: Option<String>,
    pub registration_url: Option<String>,
}

/// When a call takes applications, and from whom.
#[derive(Clone, Debug, PartialEq)]
pub struct CallDetails {
    /// When applications open; at publication when not given.
    pub opens_at: Option<DateTime<Utc>>,
    /// When applications close: a call is open strictly before its deadline.
    pub deadline: DateTime<Utc>,
    pub eligibility: Option<String>,
}

/// A post of an organisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Post {
    pub id: i64,
    pub organisation_id: i64,
    pub author_id: i64,
    pub title: String,
    pub summary: Option<String>,
    /// Markdown.
    pub body: String,
    pub tags: Vec<String>,
    pub visibility: Visibility,
    pub status: PostStatus,
    pub details: PostDetails,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it was last changed, exactly as stored: edits are conditional on it.
    pub(crate) version: NaiveDateTime,
}

impl Post {
    /// The kind of post this is.
    pub fn kind(&self) -> PostKind {
        match self.details {
            PostDetails::News => PostKind::News,
            PostDetails::Event(_) => PostKind::Event,
            PostDetails::Call(_) => PostKind::CallForApplications,
        }
    }

    /// Whether this post is a call taking applications at `now`.
    pub fn is_open_call(&self, now: DateTime<Utc>) -> bool {
        match &self.details {
            PostDetails::Call(call) => {
                self.status == PostStatus::Published
                    && call.opens_at.is_none_or(|opens| opens <= now)
                    && now < call.deadline
            }
            _ => false,
        }
    }

    /// Builds a post from its row.
    pub fn from_row(row: PostRow) -> Result<Self, DomainError> {
        let bad =
            |column: &str| DomainError::Internal(format!("post {} has a bad {column}", row.id));
        let kind = PostKind::parse(&row.kind).ok_or_else(|| bad("kind"))?;
        let visibility = Visibility::parse(&row.visibility).ok_or_else(|| bad("visibility"))?;
        let status = PostStatus::parse(&row.status).ok_or_else(|| bad("status"))?;
        let details = match kind {
            PostKind::News => PostDetails::News,
            PostKind::Event => PostDetails::Event(EventDetails {
                starts_at: row.starts_at.ok_or_else(|| bad("starts_at"))?.and_utc(),
                ends_at: row.ends_at.ok_or_else(|| bad("ends_at"))?.and_utc(),
                time_zone: row.time_zone.clone().ok_or_else(|| bad("time_zone"))?,
                venue: row.venue.clone(),
                online_url: row.online_url.clone(),
                registration_url: row.registration_url.clone(),
            }),
            PostKind::CallForApplications => PostDetails::Call(CallDetails {
                opens_at: row.opens_at.map(|at| at.and_utc()),
                deadline: row.deadline.ok_or_else(|| bad("deadline"))?.and_utc(),
                eligibility: row.eligibility.clone(),
            }),
        };

        Ok(Self {
            id: row.id,
            organisation_id: row.organisation_id,
            author_id: row.author_id,
            title: row.title,
            summary: row.summary,
            body: row.body,
            tags: row
                .tags
                .map(|tags| tags.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            visibility,
            status,
            details,
            published_at: row.published_at.map(|at| at.and_utc()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.updated_at,
        })
    }
}
