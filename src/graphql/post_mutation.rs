//! Writing posts on `Mutation`: `createPost`, `updatePost`, `publishPost` and `archivePost`.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};

use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::post::{Post, PostKind, PostVisibility};
use super::scalars::DateTime;
use super::user_error::{UserError, UserErrorCode};
use crate::db::Database;
use crate::domain::post::{CallDetails, EventDetails, PostStatus};
use crate::domain::post_feed::PostFeed;
use crate::domain::post_input::PostText;
use crate::domain::post_writing::{self, NewPostDraft, PostEdit, PostOutcome, PostProblem};
use crate::domain::user::Actor;

/// When and where an event happens.
#[derive(Clone, Debug, InputObject)]
pub struct EventDetailsInput {
    /// When it starts.
    starts_at: DateTime,
    /// When it ends; after it starts.
    ends_at: DateTime,
    /// The IANA name of the time zone to show its times in, such as `Asia/Manila`.
    time_zone: String,
    /// Where it takes place; this or `onlineUrl` is required.
    venue: Option<String>,
    /// Where to join it online (http or https); this or `venue` is required.
    online_url: Option<String>,
    /// Where to register (http or https), if registration is needed.
    registration_url: Option<String>,
}

impl From<EventDetailsInput> for EventDetails {
    fn from(input: EventDetailsInput) -> Self {
        Self {
            starts_at: input.starts_at.0,
            ends_at: input.ends_at.0,
            time_zone: input.time_zone,
            venue: input.venue,
            online_url: input.online_url,
            registration_url: input.registration_url,
        }
    }
}

/// When a call takes applications, and from whom.
#[derive(Clone, Debug, InputObject)]
pub struct CallDetailsInput {
    /// When it starts taking applications; on publication when left out.
    opens_at: Option<DateTime>,
    /// When it stops; after `opensAt`.
    deadline: DateTime,
    /// Who may apply, in plain text.
    eligibility: Option<String>,
}

impl From<CallDetailsInput> for CallDetails {
    fn from(input: CallDetailsInput) -> Self {
        Self {
            opens_at: input.opens_at.map(|at| at.0),
            deadline: input.deadline.0,
            eligibility: input.eligibility,
        }
    }
}

/// A new post, created as a draft.
#[derive(Debug, InputObject)]
pub struct CreatePostInput {
    /// The publishing organisation; you must be its editor, admin or owner, and it must be
    /// an accredited entity, a centre or the Secretariat.
    organisation_id: ID,
    /// What the post announces; it decides which of `event` and `call` is required.
    kind: PostKind,
    /// The headline, 1 to 300 characters.
    title: String,
    /// A sentence or two for previews, in plain text; at most 1,000 characters.
    summary: Option<String>,
    /// The full text, in Markdown; at most 100,000 characters.
    #[graphql(default)]
    body: String,
    /// Up to ten tags: letters, digits and hyphens; stored lower-case.
    #[graphql(default)]
    tags: Vec<String>,
    /// Who may read it once published; everyone when left out.
    #[graphql(default_with = "PostVisibility::Public")]
    visibility: PostVisibility,
    /// Required for `EVENT`, refused otherwise.
    event: Option<EventDetailsInput>,
    /// Required for `CALL_FOR_APPLICATIONS`, refused otherwise.
    call: Option<CallDetailsInput>,
}

/// Changes to a post; fields left out stay as they are.
#[derive(Debug, InputObject)]
pub struct UpdatePostInput {
    /// The post, as read from its `id`.
    post_id: ID,
    /// A new headline.
    title: Option<String>,
    /// A new summary; null removes it.
    summary: MaybeUndefined<String>,
    /// A new body, in Markdown.
    body: Option<String>,
    /// The new set of tags, replacing the old.
    tags: Option<Vec<String>>,
    /// Who may read it.
    visibility: Option<PostVisibility>,
    /// New event details, replacing all of the old; events only.
    event: Option<EventDetailsInput>,
    /// New call details, replacing all of the old; calls only.
    call: Option<CallDetailsInput>,
}

/// The post to publish or archive.
#[derive(Debug, InputObject)]
pub struct PostStatusInput {
    /// The post, as read from its `id`.
    post_id: ID,
}

/// What the post mutations return.
#[derive(Debug, Default, SimpleObject)]
pub struct PostPayload {
    /// The post as it now is; null on failure.
    post: Option<Post>,
    /// What is wrong; empty on success.
    user_errors: Vec<UserError>,
}

/// Writing posts on `Mutation`.
#[derive(Default)]
pub struct PostMutation;

#[Object]
impl PostMutation {
    /// Starts a draft, visible only to the members of its organisation until published.
    /// Refused with `FORBIDDEN` (and `extensions.reason` `NOT_ACCREDITED`) for an entity that
    /// is not accredited.
    async fn create_post(
        &self,
        ctx: &Context<'_>,
        input: CreatePostInput,
    ) -> ApiResult<PostPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let organisation_id = match NodeId::decode(&input.organisation_id)? {
            NodeId::Organisation(id) => id,
            _ => {
                let message = "`organisationId` is not an organisation".into();
                return Err(ApiError::BadUserInput(message));
            }
        };
        let draft = NewPostDraft {
            organisation_id,
            kind: input.kind.into(),
            text: PostText {
                title: input.title,
                summary: input.summary,
                body: input.body,
                tags: input.tags,
                visibility: input.visibility.into(),
                event: input.event.map(EventDetails::from),
                call: input.call.map(CallDetails::from),
            },
        };

        payload(post_writing::create_post(db, actor, draft).await)
    }

    /// Edits a draft or a published post; archived posts no longer change.
    async fn update_post(
        &self,
        ctx: &Context<'_>,
        input: UpdatePostInput,
    ) -> ApiResult<PostPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let id = post_id(&input.post_id)?;
        let summary = match input.summary {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(summary) => Some(Some(summary)),
        };
        let edit = PostEdit {
            title: input.title,
            summary,
            body: input.body,
            tags: input.tags,
            visibility: input.visibility.map(Into::into),
            event: input.event.map(EventDetails::from),
            call: input.call.map(CallDetails::from),
        };

        payload(post_writing::update_post(db, actor, id, edit).await)
    }

    /// Publishes a draft: it reaches the lists, the feeds and the live subscribers its
    /// visibility allows. Refused like `createPost` for an entity that is not accredited.
    async fn publish_post(
        &self,
        ctx: &Context<'_>,
        input: PostStatusInput,
    ) -> ApiResult<PostPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let feed = ctx.data_unchecked::<PostFeed>();
        let id = post_id(&input.post_id)?;

        payload(post_writing::publish_post(db, feed, actor, id).await)
    }

    /// Archives a published post: it leaves the lists of published posts and the feeds,
    /// and stays readable by its ID.
    async fn archive_post(
        &self,
        ctx: &Context<'_>,
        input: PostStatusInput,
    ) -> ApiResult<PostPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let id = post_id(&input.post_id)?;

        payload(post_writing::archive_post(db, actor, id).await)
    }
}

fn post_id(id: &ID) -> ApiResult<i64> {
    match NodeId::decode(id)? {
        NodeId::Post(id) => Ok(id),
        _ => Err(ApiError::BadUserInput("`postId` is not a post".into())),
    }
}

fn payload(outcome: PostOutcome) -> ApiResult<PostPayload> {
    Ok(match outcome? {
        Ok(post) => PostPayload {
            post: Some(Post::from(post)),
            user_errors: Vec::new(),
        },
        Err(problem) => PostPayload {
            post: None,
            user_errors: vec![user_error(problem)],
        },
    })
}

fn user_error(problem: PostProblem) -> UserError {
    match problem {
        PostProblem::Field(problem) => {
            UserError::on_input(problem.field, UserErrorCode::Invalid, problem.problem)
        }
        PostProblem::WrongStatus(status) => {
            let problem = match status {
                PostStatus::Draft => "is a draft; publish it first",
                PostStatus::Published => "is already published",
                PostStatus::Archived => "is archived and no longer changes",
            };
            UserError::on_input("postId", UserErrorCode::WrongStatus, problem)
        }
        PostProblem::Changed => UserError::on_input(
            "postId",
            UserErrorCode::Changed,
            "was changed by someone else meanwhile; look again",
        ),
    }
}
