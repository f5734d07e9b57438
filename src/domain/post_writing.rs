//! Writing posts: drafts, edits, publication and archiving, by an organisation's editors.

use super::organisation::{AccreditationStatus, Organisation, OrganisationProfile};
use super::post::{CallDetails, EventDetails, Post, PostDetails, PostKind, PostStatus};
use super::post_feed::PostFeed;
use super::post_input::{self, PostText};
use super::posts::may_read;
use super::user::Actor;
use super::validation::FieldProblem;
use super::{DomainError, directory, permissions};
use crate::db::posts::{self as queries, NewPost};
use crate::db::{self, Database};

/// Why a post could not be written, when the user can do something about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostProblem {
    /// An input field is not acceptable.
    Field(FieldProblem),
    /// The post is not in a state that allows this, such as archiving a draft.
    WrongStatus(PostStatus),
    /// Someone else changed the post meanwhile.
    Changed,
}

/// What a new post says, and whose it is.
#[derive(Clone, Debug)]
pub struct NewPostDraft {
    pub organisation_id: i64,
    pub kind: PostKind,
    pub text: PostText,
}

/// Changes to a post; `None` keeps a field. `event` and `call` replace all the details.
#[derive(Clone, Debug, Default)]
pub struct PostEdit {
    pub title: Option<String>,
    pub summary: Option<Option<String>>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
    pub visibility: Option<super::post::Visibility>,
    pub event: Option<EventDetails>,
    pub call: Option<CallDetails>,
}

/// The outcome of a write: the post, or what the user must fix.
pub type PostOutcome = Result<Result<Post, PostProblem>, DomainError>;

/// Creates a draft for an organisation the actor edits for, if it may publish at all.
pub async fn create_post(db: &Database, actor: &Actor, draft: NewPostDraft) -> PostOutcome {
    let author = actor.user().ok_or(DomainError::Unauthenticated)?;
    let organisation = organisation(db, draft.organisation_id).await?;
    if !permissions::may_write_for(actor, organisation.id) {
        return Err(DomainError::Forbidden);
    }
    check_may_publish(&organisation)?;
    let (content, tags) = match post_input::checked(draft.kind, &draft.text) {
        Ok(checked) => checked,
        Err(problem) => return Ok(Err(PostProblem::Field(problem))),
    };

    let now = db::now();
    let new_post = NewPost {
        organisation_id: organisation.id,
        author_id: author.id,
        kind: draft.kind.as_str().to_owned(),
        title: content.title,
        summary: content.summary,
        body: content.body,
        visibility: content.visibility,
        status: PostStatus::Draft.as_str().to_owned(),
        starts_at: content.starts_at,
        ends_at: content.ends_at,
        time_zone: content.time_zone,
        venue: content.venue,
        online_url: content.online_url,
        registration_url: content.registration_url,
        opens_at: content.opens_at,
        deadline: content.deadline,
        eligibility: content.eligibility,
        created_at: now,
        updated_at: now,
    };
    let mut conn = db.conn().await?;
    let id = queries::insert(&mut conn, &new_post, &tags).await?;

    Ok(Ok(load(&mut conn, id).await?))
}

/// Edits a draft or a published post.
pub async fn update_post(db: &Database, actor: &Actor, id: i64, edit: PostEdit) -> PostOutcome {
    let post = writable_post(db, actor, id).await?;
    if post.status == PostStatus::Archived {
        return Ok(Err(PostProblem::WrongStatus(post.status)));
    }
    let text = merged(&post, edit);
    let (content, tags) = match post_input::checked(post.kind(), &text) {
        Ok(checked) => checked,
        Err(problem) => return Ok(Err(PostProblem::Field(problem))),
    };

    let mut conn = db.conn().await?;
    let tags = (tags != post.tags).then_some(tags.as_slice());
    let updated =
        queries::update_content(&mut conn, id, post.version, &content, tags, db::now()).await?;
    if !updated {
        return Ok(Err(PostProblem::Changed));
    }

    Ok(Ok(load(&mut conn, id).await?))
}

/// Publishes a draft, and sends it to the live feed once committed.
pub async fn publish_post(db: &Database, feed: &PostFeed, actor: &Actor, id: i64) -> PostOutcome {
    let post = writable_post(db, actor, id).await?;
    if post.status != PostStatus::Draft {
        return Ok(Err(PostProblem::WrongStatus(post.status)));
    }
    check_may_publish(&organisation(db, post.organisation_id).await?)?;

    let mut conn = db.conn().await?;
    if !queries::publish(&mut conn, id, post.version, db::now()).await? {
        return Ok(Err(PostProblem::Changed));
    }
    // Dispatching waits its turn and takes a connection of its own: holding this one
    // meanwhile could leave every connection with a writer waiting for its turn.
    drop(conn);
    feed.dispatch_after_commit().await;

    let mut conn = db.conn().await?;
    Ok(Ok(load(&mut conn, id).await?))
}

/// Archives a published post: it stays readable but leaves the lists of published posts.
pub async fn archive_post(db: &Database, actor: &Actor, id: i64) -> PostOutcome {
    let post = writable_post(db, actor, id).await?;
    if post.status != PostStatus::Published {
        return Ok(Err(PostProblem::WrongStatus(post.status)));
    }

    let mut conn = db.conn().await?;
    if !queries::archive(&mut conn, id, db::now()).await? {
        return Ok(Err(PostProblem::Changed));
    }

    Ok(Ok(load(&mut conn, id).await?))
}

/// The post, if the actor may write it: `NotFound` when they may not even see it.
async fn writable_post(db: &Database, actor: &Actor, id: i64) -> Result<Post, DomainError> {
    if actor.user().is_none() {
        return Err(DomainError::Unauthenticated);
    }
    let mut conn = db.conn().await?;
    let post = match queries::by_id(&mut conn, id).await? {
        Some(row) => Post::from_row(row)?,
        None => return Err(DomainError::NotFound),
    };
    if !may_read(actor, &post) {
        return Err(DomainError::NotFound);
    }
    if !permissions::may_write_for(actor, post.organisation_id) {
        return Err(DomainError::Forbidden);
    }
    Ok(post)
}

async fn organisation(db: &Database, id: i64) -> Result<Organisation, DomainError> {
    directory::organisations_by_ids(db, &[id])
        .await?
        .remove(&id)
        .ok_or(DomainError::NotFound)
}

async fn load(conn: &mut db::DbConn, id: i64) -> Result<Post, DomainError> {
    let row = queries::by_id(conn, id)
        .await?
        .ok_or_else(|| DomainError::Internal(format!("post {id} vanished after a write")))?;

    Post::from_row(row)
}

/// Refuses, saying why, an organisation that may not publish: an entity that is not
/// accredited. Centres and the Secretariat always may.
fn check_may_publish(organisation: &Organisation) -> Result<(), DomainError> {
    match organisation.profile {
        OrganisationProfile::Entity {
            accreditation_status,
            ..
        } if accreditation_status != AccreditationStatus::Accredited => Err(DomainError::Refused {
            reason: "NOT_ACCREDITED",
            message: format!(
                "{} may read but not publish: its accreditation status is {}, and only \
                     accredited entities, centres and the Secretariat publish",
                organisation.name,
                accreditation_status.as_str()
            ),
        }),
        _ => Ok(()),
    }
}

/// The whole text of `post` with `edit` applied.
fn merged(post: &Post, edit: PostEdit) -> PostText {
    let (event, call) = match &post.details {
        PostDetails::News => (None, None),
        PostDetails::Event(event) => (Some(event.clone()), None),
        PostDetails::Call(call) => (None, Some(call.clone())),
    };

    PostText {
        title: edit.title.unwrap_or_else(|| post.title.clone()),
        summary: edit.summary.unwrap_or_else(|| post.summary.clone()),
        body: edit.body.unwrap_or_else(|| post.body.clone()),
        tags: edit.tags.unwrap_or_else(|| post.tags.clone()),
        visibility: edit.visibility.unwrap_or(post.visibility),
        event: edit.event.or(event),
        call: edit.call.or(call),
    }
}
