//! Posts in the graph: the `Post` interface, its three types, and their enums.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Interface, Lookahead, Object};
use chrono::Utc;

use super::call_application::CallApplication;
use super::connection::{Connection, TotalCount};
use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::loaders::Loaders;
use super::organisation::Organisation;
use super::scalars::DateTime;
use super::user::User;
use crate::db::Database;
use crate::db::call_applications::ApplicationScope;
use crate::domain::call_applications;
use crate::domain::markdown;
use crate::domain::pagination::PageArgs;
use crate::domain::post::{self as model, PostDetails};
use crate::domain::user::Actor;

/// What a post announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::PostKind")]
pub enum PostKind {
    /// News of the organisation: a `NewsPost`.
    News,
    /// An event, in person or online: an `EventAnnouncement`.
    Event,
    /// A call for applications that other organisations answer: a `CallForApplications`.
    CallForApplications,
}

/// Who may read a published post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::Visibility")]
pub enum PostVisibility {
    /// Anyone, signed in or not; also in the public Atom and iCalendar feeds.
    Public,
    /// Signed-in members of any organisation, and the ASEAN Secretariat.
    Platform,
}

/// Where a post is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::PostStatus")]
pub enum PostStatus {
    /// Being written; visible only to the members of its organisation.
    Draft,
    /// Out, for whoever its visibility allows.
    Published,
    /// Withdrawn from the lists of published posts, still readable by its ID.
    Archived,
}

/// Declares one concrete post type: the fields every post has, plus `$extra`, plus
/// `applications` (documented by `$applications`) when given.
///
/// `applications` is written here rather than passed in `$extra` because its complexity
/// expression names a variable the `Object` macro defines, which macro hygiene would hide.
macro_rules! post_type {
    (
        $(#[$doc:meta])* $name:ident $(, applications: $applications:literal)? {
            $($extra:tt)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name(pub Arc<model::Post>);

        $(#[$doc])*
        #[Object]
        impl $name {
            /// Globally unique, opaque ID; fetch the post again with `node(id:)`.
            pub async fn id(&self) -> ID {
                NodeId::Post(self.0.id).encode()
            }

            /// What the post announces; the same as its GraphQL type.
            pub async fn kind(&self) -> PostKind {
                self.0.kind().into()
            }

            /// The headline, 1 to 300 characters.
            pub async fn title(&self) -> String {
                self.0.title.clone()
            }

            /// A sentence or two for lists and previews, in plain text.
            pub async fn summary(&self) -> Option<String> {
                self.0.summary.clone()
            }

            /// The full text, in Markdown, as the author wrote it.
            pub async fn body(&self) -> String {
                self.0.body.clone()
            }

            /// The full text rendered to HTML that is safe to insert into a page as it is:
            /// no scripts, styles or event handlers; links only to http, https and mailto
            /// addresses, with `rel="noopener noreferrer nofollow"`.
            pub async fn body_html(&self) -> String {
                markdown::to_safe_html(&self.0.body)
            }

            /// Lower-case tags, sorted; at most ten.
            pub async fn tags(&self) -> Vec<String> {
                self.0.tags.clone()
            }

            /// Who may read it once published.
            pub async fn visibility(&self) -> PostVisibility {
                self.0.visibility.into()
            }

            /// Draft, published or archived.
            pub async fn status(&self) -> PostStatus {
                self.0.status.into()
            }

            /// When it was published; null for a draft.
            pub async fn published_at(&self) -> Option<DateTime> {
                self.0.published_at.map(DateTime)
            }

            /// When the draft was started.
            pub async fn created_at(&self) -> DateTime {
                DateTime(self.0.created_at)
            }

            /// When it last changed.
            pub async fn updated_at(&self) -> DateTime {
                DateTime(self.0.updated_at)
            }

            /// The organisation that publishes it.
            pub async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
                let loaders = ctx.data_unchecked::<Loaders>();
                let organisation = loaders
                    .organisations
                    .load_one(self.0.organisation_id)
                    .await?;
                organisation.map(Organisation::from).ok_or(ApiError::Internal)
            }

            /// Who wrote it; null for a visitor who is not signed in, who may not see users.
            pub async fn author(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
                let loaders = ctx.data_unchecked::<Loaders>();
                let user = loaders.users.load_one(self.0.author_id).await?;

                Ok(user.map(User::new))
            }

            $(
                #[doc = $applications]
                #[graphql(complexity = "super::page_complexity(first, last, child_complexity)")]
                pub async fn applications(
                    &self,
                    ctx: &Context<'_>,
                    #[graphql(desc = "Return the first this many (1 to 100), after `after` if given.")]
                    first: Option<i32>,
                    #[graphql(desc = "Start after the application with this cursor.")]
                    after: Option<String>,
                    #[graphql(desc = "Return the last this many (1 to 100), before `before` if given.")]
                    last: Option<i32>,
                    #[graphql(desc = "End before the application with this cursor.")]
                    before: Option<String>,
                ) -> ApiResult<Option<Connection<CallApplication>>> {
                    let args = PageArgs { first, after, last, before };
                    applications_to(ctx, &self.0, &args).await
                }
            )?

            $($extra)*
        }
    };
}

/// The applications to a call, for the publisher's writers; null for anyone else.
async fn applications_to(
    ctx: &Context<'_>,
    call: &model::Post,
    args: &PageArgs,
) -> ApiResult<Option<Connection<CallApplication>>> {
    let db = ctx.data_unchecked::<Database>();
    let actor = ctx.data_unchecked::<Actor>();

    let page = call_applications::applications_to_call(db, actor, call, args).await?;

    Ok(page.map(|page| {
        let total = TotalCount::CallApplications(ApplicationScope::Call(call.id));
        Connection::new(page, total, CallApplication)
    }))
}

post_type! {
    /// News of an organisation.
    NewsPost {}
}

post_type! {
    /// An event an organisation announces: when, where, and how to register.
    EventAnnouncement {
        /// When it starts.
        async fn starts_at(&self) -> Option<DateTime> {
            self.event().map(|event| DateTime(event.starts_at))
        }

        /// When it ends; always after it starts.
        async fn ends_at(&self) -> Option<DateTime> {
            self.event().map(|event| DateTime(event.ends_at))
        }

        /// The IANA name of the time zone its local times are given in, such as
        /// `Asia/Jakarta`: show `startsAt` and `endsAt` in it.
        async fn time_zone(&self) -> Option<&str> {
            self.event().map(|event| event.time_zone.as_str())
        }

        /// Where it takes place, for an event held in person.
        async fn venue(&self) -> Option<&str> {
            self.event().and_then(|event| event.venue.as_deref())
        }

        /// Where to join it, for an event held online.
        async fn online_url(&self) -> Option<&str> {
            self.event().and_then(|event| event.online_url.as_deref())
        }

        /// Where to register, if registration is needed.
        async fn registration_url(&self) -> Option<&str> {
            self.event().and_then(|event| event.registration_url.as_deref())
        }
    }
}

impl EventAnnouncement {
    fn event(&self) -> Option<&model::EventDetails> {
        match &self.0.details {
            PostDetails::Event(event) => Some(event),
            _ => None,
        }
    }
}

post_type! {
    /// A call for applications: other organisations apply while it is open, and the
    /// publisher decides.
    CallForApplications, applications: "The applications received, oldest first. Null \
        unless you are an editor, admin or owner of the publishing organisation." {
        /// When it starts taking applications; null when it did so on publication.
        async fn opens_at(&self) -> Option<DateTime> {
            self.call().and_then(|call| call.opens_at).map(DateTime)
        }

        /// When it stops taking applications; applications are accepted strictly before.
        async fn deadline(&self) -> Option<DateTime> {
            self.call().map(|call| DateTime(call.deadline))
        }

        /// Who may apply, in plain text.
        async fn eligibility(&self) -> Option<&str> {
            self.call().and_then(|call| call.eligibility.as_deref())
        }

        /// Whether it takes applications right now: published, opened, and before its
        /// deadline.
        async fn is_open(&self) -> bool {
            self.0.is_open_call(Utc::now())
        }
    }
}

impl CallForApplications {
    fn call(&self) -> Option<&model::CallDetails> {
        match &self.0.details {
            PostDetails::Call(call) => Some(call),
            _ => None,
        }
    }
}

/// Any post. Ask for kind-specific fields with `... on EventAnnouncement { startsAt }` or
/// `... on CallForApplications { deadline isOpen }`.
#[derive(Clone, Debug, Interface)]
#[expect(
    clippy::duplicated_attributes,
    reason = "several interface fields share a type"
)]
#[graphql(
    field(name = "id", ty = "ID", desc = "Globally unique, opaque ID."),
    field(name = "kind", ty = "PostKind", desc = "What the post announces."),
    field(name = "title", ty = "String", desc = "The headline."),
    field(
        name = "summary",
        ty = "Option<String>",
        desc = "A short plain-text summary."
    ),
    field(name = "body", ty = "String", desc = "The full text, in Markdown."),
    field(
        name = "body_html",
        ty = "String",
        desc = "The full text as sanitised HTML, safe to insert into a page."
    ),
    field(name = "tags", ty = "Vec<String>", desc = "Lower-case tags, sorted."),
    field(name = "visibility", ty = "PostVisibility", desc = "Who may read it."),
    field(
        name = "status",
        ty = "PostStatus",
        desc = "Draft, published or archived."
    ),
    field(
        name = "published_at",
        ty = "Option<DateTime>",
        desc = "When it was published; null for a draft."
    ),
    field(
        name = "created_at",
        ty = "DateTime",
        desc = "When the draft was started."
    ),
    field(name = "updated_at", ty = "DateTime", desc = "When it last changed."),
    field(
        name = "organisation",
        ty = "ApiResult<Organisation>",
        desc = "The organisation that publishes it."
    ),
    field(
        name = "author",
        ty = "ApiResult<Option<User>>",
        desc = "Who wrote it; null for visitors who are not signed in."
    )
)]
pub enum Post {
    NewsPost(NewsPost),
    EventAnnouncement(EventAnnouncement),
    CallForApplications(CallForApplications),
}

impl From<model::Post> for Post {
    fn from(post: model::Post) -> Self {
        Self::from(Arc::new(post))
    }
}

/// A post shared with the request's cache, which hands it out without copying it.
impl From<Arc<model::Post>> for Post {
    fn from(post: Arc<model::Post>) -> Self {
        match post.details {
            PostDetails::News => Self::NewsPost(NewsPost(post)),
            PostDetails::Event(_) => Self::EventAnnouncement(EventAnnouncement(post)),
            PostDetails::Call(_) => Self::CallForApplications(CallForApplications(post)),
        }
    }
}

/// Loads, in one batch each, the organisations and authors the selection under a page of
/// posts asks for, so that a page costs the same number of statements however the loaders'
/// batching timing falls (see `membership::preload`).
pub async fn preload<'a>(
    ctx: &Context<'_>,
    posts: impl IntoIterator<Item = &'a model::Post>,
) -> ApiResult<()> {
    preload_selected(ctx, &[ctx.look_ahead()], posts).await
}

/// [`preload`] for pages of posts further down the selection: `connections` are the
/// selected `posts` fields whose nodes are `posts`.
pub async fn preload_selected<'a>(
    ctx: &Context<'_>,
    connections: &[Lookahead<'_>],
    posts: impl IntoIterator<Item = &'a model::Post>,
) -> ApiResult<()> {
    let selects = |name: &str| {
        connections.iter().any(|connection| {
            connection.field("nodes").field(name).exists()
                || connection.field("edges").field("node").field(name).exists()
        })
    };
    let loaders = ctx.data_unchecked::<Loaders>();
    let (organisations, authors): (Vec<i64>, Vec<i64>) = posts
        .into_iter()
        .map(|post| (post.organisation_id, post.author_id))
        .unzip();

    if selects("organisation") {
        loaders.organisations.load_many(organisations).await?;
    }
    if selects("author") {
        loaders.users.load_many(authors).await?;
    }

    Ok(())
}
