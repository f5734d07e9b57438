//! The live feed of accreditation applications: each change of an application (a step, a
//! document uploaded or reviewed) delivered to those who may read it, the applicant's
//! members and the Secretariat. See [`super::feed`] for replay and limits.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use futures::{FutureExt as _, Stream};

use super::DomainError;
use super::accreditation::{Application, Standing};
use super::feed::{Delivery, Feed, FeedEvent, FeedOptions, OUTBOX_PAGE};
use super::user::Actor;
use crate::db::Database;
use crate::db::accreditation as queries;
use crate::db::events::{self, APPLICATION_UPDATED};
use crate::live::Batch;

/// One change of an application, with the application as it is now.
#[derive(Clone, Debug)]
pub struct ApplicationEvent {
    pub event_id: i64,
    pub event_at: NaiveDateTime,
    pub application: Application,
}

impl FeedEvent for ApplicationEvent {
    fn event_id(&self) -> i64 {
        self.event_id
    }

    fn event_at(&self) -> NaiveDateTime {
        self.event_at
    }
}

/// The accreditation feed of this process; cheap to clone.
#[derive(Clone)]
pub struct AccreditationFeed(Feed<ApplicationEvent>);

impl AccreditationFeed {
    /// A feed that sends what happens from now on.
    pub async fn start(db: Database, options: FeedOptions) -> Result<Self, DomainError> {
        let read = |db, after| read_batch(db, after).boxed();
        Ok(Self(Feed::start(db, options, read).await?))
    }

    /// Dispatches after a commit, logging a failure; the next dispatch catches up.
    pub async fn dispatch_after_commit(&self) {
        self.0.dispatch_after_commit().await;
    }

    /// The changes of one application the actor may read, after `after` if given, while
    /// the actor's credentials last.
    pub fn application_updates(
        &self,
        actor: Actor,
        application_id: i64,
        after: Option<&str>,
    ) -> Result<impl Stream<Item = Delivery<ApplicationEvent>> + use<>, DomainError> {
        let until = actor.expires_at();
        self.0
            .subscribe(after, until, move |event: &ApplicationEvent| {
                event.application.id == application_id
                    && Standing::of(&actor, event.application.organisation_id).may_read()
            })
    }
}

/// The application events recorded after event `after`, with their applications as they
/// are now.
async fn read_batch(db: Database, after: i64) -> Result<Batch<ApplicationEvent>, DomainError> {
    let mut conn = db.conn().await?;
    let rows = events::after(&mut conn, &[APPLICATION_UPDATED], after, OUTBOX_PAGE).await?;
    let Some(last) = rows.last() else {
        return Ok(Batch {
            events: Vec::new(),
            covered: after,
        });
    };
    let covered = last.id;
    let ids: Vec<i64> = rows.iter().map(|row| row.subject_id).collect();
    let mut applications = HashMap::new();
    for row in queries::by_ids(&mut conn, &ids).await? {
        let application = Application::try_from(row)?;
        applications.insert(application.id, application);
    }

    let events = rows
        .into_iter()
        .filter_map(|row| {
            Some(ApplicationEvent {
                event_id: row.id,
                event_at: row.created_at,
                application: applications.get(&row.subject_id)?.clone(),
            })
        })
        .collect();
    Ok(Batch { events, covered })
}
