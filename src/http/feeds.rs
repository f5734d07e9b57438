//! Feeds for websites and calendars: `/feeds/posts.atom` (public posts) and
//! `/feeds/events.ics` (public events). Both show only what a visitor who is not signed in
//! may read.

mod atom;
mod ics;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{TimeDelta, Utc};

use super::AppState;
use crate::domain::pagination::{MAX_PAGE_SIZE, PageArgs};
use crate::domain::post::{Post, PostKind};
use crate::domain::posts::{self, PostListFilter, PostOrder, PostOrderField};
use crate::domain::user::Actor;
use crate::domain::{DomainError, directory};
use crate::graphql::post_global_id;

/// How far back the calendar reaches: events that ended in the last 30 days stay in it.
const CALENDAR_PAST_DAYS: i64 = 30;

/// The feed routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/feeds/posts.atom", get(posts_atom))
        .route("/feeds/events.ics", get(events_ics))
}

/// The 100 newest public posts.
async fn posts_atom(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let order = PostOrder {
        field: Some(PostOrderField::PublishedAt),
        descending: Some(true),
    };
    let posts = match public_posts(&state, PostListFilter::default(), order).await {
        Ok(posts) => posts,
        Err(error) => return failure(error),
    };
    let organisations = match organisations_of(&state, &posts).await {
        Ok(organisations) => organisations,
        Err(error) => return failure(error),
    };
    let self_url = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .map(|host| format!("http://{host}/feeds/posts.atom"));

    let body = atom::render(&posts, &organisations, self_url.as_deref(), post_global_id);
    (
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Public events from 30 days ago on, the next 100 by start.
async fn events_ics(State(state): State<AppState>) -> Response {
    let now = Utc::now();
    let filter = PostListFilter {
        kinds: Some(vec![PostKind::Event]),
        events_between: Some((
            now - TimeDelta::days(CALENDAR_PAST_DAYS),
            now + TimeDelta::days(365 * 100),
        )),
        ..PostListFilter::default()
    };
    let order = PostOrder {
        field: Some(PostOrderField::StartsAt),
        descending: Some(false),
    };
    let posts = match public_posts(&state, filter, order).await {
        Ok(posts) => posts,
        Err(error) => return failure(error),
    };
    let organisations = match organisations_of(&state, &posts).await {
        Ok(organisations) => organisations,
        Err(error) => return failure(error),
    };

    let body = ics::render(&posts, &organisations, post_global_id);
    (
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn public_posts(
    state: &AppState,
    filter: PostListFilter,
    order: PostOrder,
) -> Result<Vec<Post>, DomainError> {
    let args = PageArgs {
        first: Some(MAX_PAGE_SIZE),
        ..PageArgs::default()
    };
    let page = posts::list_posts(&state.db, &Actor::anonymous(), &filter, order, &args).await?;

    Ok(page.edges.into_iter().map(|(_, post)| post).collect())
}

async fn organisations_of(
    state: &AppState,
    posts: &[Post],
) -> Result<std::collections::HashMap<i64, crate::domain::organisation::Organisation>, DomainError>
{
    let mut ids: Vec<i64> = posts.iter().map(|post| post.organisation_id).collect();
    ids.sort_unstable();
    ids.dedup();
    directory::organisations_by_ids(&state.db, &ids).await
}

/// A plain-text 503 or 500; the detail goes to the log only.
fn failure(error: DomainError) -> Response {
    match error {
        DomainError::Unavailable(detail) => {
            tracing::warn!(error = %detail, "a feed could not reach the database");
            (StatusCode::SERVICE_UNAVAILABLE, "try again shortly\n").into_response()
        }
        other => {
            tracing::error!(error = ?other, "a feed failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
}
