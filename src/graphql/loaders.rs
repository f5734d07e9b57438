//! DataLoaders: every look-up by id in one request is batched into one query per type.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

use super::accreditation::{ApplicationLoader, HistoryLoader, StatusChangeLoader};
use super::accreditation_document::{DocumentByIdLoader, DocumentLoader};
use super::annual_report::{ReportDocumentByIdLoader, ReportDocumentLoader, ReportRecordLoader};
use super::error::ApiError;
use super::partnership::{FirstPartners, PartnerPageLoader, PartnershipLoader};
use super::post_query::{FirstPosts, PostPageLoader};
use super::thread::{FirstMessages, MessageCountLoader, MessagePageLoader};
use crate::db::Database;
use crate::domain::call_applications::{self, CallApplication};
use crate::domain::membership::{self, Membership};
use crate::domain::messages::{self, Message};
use crate::domain::organisation::Organisation;
use crate::domain::post::Post;
use crate::domain::threads::{self, Thread};
use crate::domain::user::{Actor, User};
use crate::domain::{accounts, directory, posts};

/// The cache of a request's loader, hashed with foldhash: its keys are ids, and SipHash,
/// the standard one, was a visible share of the work of a large page.
pub type Cache = HashMapCache<foldhash::fast::RandomState>;

/// The loaders of one request. They cache what they load, so they live no longer than it;
/// a subscription clears them before each event, so that no event shows stale data. Clones
/// share the same caches.
#[derive(Clone)]
pub struct Loaders(Arc<LoaderSet>);

impl std::ops::Deref for Loaders {
    type Target = LoaderSet;

    fn deref(&self) -> &LoaderSet {
        &self.0
    }
}

/// The loaders themselves, one per kind of object.
pub struct LoaderSet {
    pub organisations: DataLoader<OrganisationLoader, Cache>,
    pub users: DataLoader<UserLoader, Cache>,
    pub memberships: DataLoader<MembershipLoader, Cache>,
    pub memberships_of_users: DataLoader<UserMembershipsLoader, Cache>,
    pub posts: DataLoader<PostLoader, Cache>,
    pub call_applications: DataLoader<CallApplicationLoader, Cache>,
    pub threads: DataLoader<ThreadLoader, Cache>,
    pub messages: DataLoader<MessageLoader, Cache>,
    pub unread_counts: DataLoader<UnreadCountLoader, Cache>,
    pub partnerships: DataLoader<PartnershipLoader, Cache>,
    /// First pages of partners, by organisation and page size (see `partnership::partners`).
    pub partner_pages: DataLoader<PartnerPageLoader, Cache>,
    /// First pages of organisations' posts, by organisation and page size (see
    /// `post_query::list`).
    pub post_pages: DataLoader<PostPageLoader, Cache>,
    /// First pages of threads' messages, by thread and page shape (see `Thread.messages`).
    pub message_pages: DataLoader<MessagePageLoader, Cache>,
    /// How many messages each thread holds, for `totalCount`.
    pub message_counts: DataLoader<MessageCountLoader, Cache>,
    pub accreditation_applications: DataLoader<ApplicationLoader, Cache>,
    pub accreditation_histories: DataLoader<HistoryLoader, Cache>,
    /// The accreditation status changes of organisations, by organisation.
    pub accreditation_status_changes: DataLoader<StatusChangeLoader, Cache>,
    /// The documents of applications, by application.
    pub accreditation_documents: DataLoader<DocumentLoader, Cache>,
    pub documents: DataLoader<DocumentByIdLoader, Cache>,
    /// What was done on organisations' annual reports, by organisation.
    pub annual_report_records: DataLoader<ReportRecordLoader, Cache>,
    /// The documents of annual reports, by report record.
    pub annual_report_documents: DataLoader<ReportDocumentLoader, Cache>,
    pub report_documents: DataLoader<ReportDocumentByIdLoader, Cache>,
}

impl Loaders {
    /// Loaders for a request made by `actor`.
    pub fn new(db: &Database, actor: &Actor) -> Self {
        // Cached for the request, so that a list can load its children in one batch up
        // front (see `membership::preload`) and each child then finds its value there.
        fn cached<T: Send + Sync + 'static>(loader: T) -> DataLoader<T, Cache> {
            DataLoader::with_cache(loader, tokio::spawn, Cache::new())
        }
        Self(Arc::new(LoaderSet {
            organisations: cached(OrganisationLoader(db.clone())),
            users: cached(UserLoader(db.clone(), actor.clone())),
            memberships: cached(MembershipLoader(db.clone(), actor.clone())),
            memberships_of_users: cached(UserMembershipsLoader(db.clone())),
            posts: cached(PostLoader(db.clone(), actor.clone())),
            call_applications: cached(CallApplicationLoader(db.clone(), actor.clone())),
            threads: cached(ThreadLoader(db.clone(), actor.clone())),
            messages: cached(MessageLoader(db.clone(), actor.clone())),
            unread_counts: cached(UnreadCountLoader(db.clone(), actor.clone())),
            partnerships: cached(PartnershipLoader(db.clone(), actor.clone())),
            partner_pages: cached(PartnerPageLoader(db.clone())),
            post_pages: cached(PostPageLoader(db.clone(), actor.clone())),
            message_pages: cached(MessagePageLoader(db.clone())),
            message_counts: cached(MessageCountLoader(db.clone())),
            accreditation_applications: cached(ApplicationLoader(db.clone(), actor.clone())),
            accreditation_histories: cached(HistoryLoader(db.clone())),
            accreditation_status_changes: cached(StatusChangeLoader(db.clone())),
            accreditation_documents: cached(DocumentLoader(db.clone())),
            documents: cached(DocumentByIdLoader(db.clone(), actor.clone())),
            annual_report_records: cached(ReportRecordLoader(db.clone())),
            annual_report_documents: cached(ReportDocumentLoader(db.clone())),
            report_documents: cached(ReportDocumentByIdLoader(db.clone(), actor.clone())),
        }))
    }

    /// Forgets everything loaded so far.
    pub fn clear(&self) {
        self.organisations.clear::<i64>();
        self.users.clear::<i64>();
        self.memberships.clear::<i64>();
        self.memberships_of_users.clear::<i64>();
        self.posts.clear::<i64>();
        self.call_applications.clear::<i64>();
        self.threads.clear::<i64>();
        self.messages.clear::<i64>();
        self.unread_counts.clear::<i64>();
        self.partnerships.clear::<i64>();
        self.partner_pages.clear::<FirstPartners>();
        self.post_pages.clear::<FirstPosts>();
        self.message_pages.clear::<FirstMessages>();
        self.message_counts.clear::<i64>();
        self.accreditation_applications.clear::<i64>();
        self.accreditation_histories.clear::<i64>();
        self.accreditation_status_changes.clear::<i64>();
        self.accreditation_documents.clear::<i64>();
        self.documents.clear::<i64>();
        self.annual_report_records.clear::<i64>();
        self.annual_report_documents.clear::<i64>();
        self.report_documents.clear::<i64>();
    }
}

/// Loads organisations by id.
pub struct OrganisationLoader(Database);

impl Loader<i64> for OrganisationLoader {
    /// Shared, so that the request's cache hands organisations out without copying them.
    type Value = Arc<Organisation>;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Arc<Organisation>>, ApiError> {
        let organisations = directory::organisations_by_ids(&self.0, ids).await?;
        Ok(organisations
            .into_iter()
            .map(|(id, organisation)| (id, Arc::new(organisation)))
            .collect())
    }
}

/// Loads the users the request's actor may see, by id.
pub struct UserLoader(Database, Actor);

impl Loader<i64> for UserLoader {
    type Value = User;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, User>, ApiError> {
        Ok(accounts::users_by_ids(&self.0, &self.1, ids).await?)
    }
}

/// Loads the memberships the request's actor may see, by id.
pub struct MembershipLoader(Database, Actor);

impl Loader<i64> for MembershipLoader {
    type Value = Membership;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Membership>, ApiError> {
        Ok(membership::memberships_by_ids(&self.0, &self.1, ids).await?)
    }
}

/// Loads all memberships of users, by user id. Callers check that the actor may see them.
pub struct UserMembershipsLoader(Database);

impl Loader<i64> for UserMembershipsLoader {
    type Value = Vec<Membership>;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<Membership>>, ApiError> {
        Ok(membership::memberships_of_users(&self.0, ids).await?)
    }
}

/// Loads the posts the request's actor may read, by id.
pub struct PostLoader(Database, Actor);

impl Loader<i64> for PostLoader {
    type Value = Post;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Post>, ApiError> {
        Ok(posts::posts_by_ids(&self.0, &self.1, ids).await?)
    }
}

/// Loads the call applications the request's actor may see, by id.
pub struct CallApplicationLoader(Database, Actor);

impl Loader<i64> for CallApplicationLoader {
    type Value = CallApplication;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, CallApplication>, ApiError> {
        Ok(call_applications::applications_by_ids(&self.0, &self.1, ids).await?)
    }
}

/// Loads the threads the request's actor may see, by id.
pub struct ThreadLoader(Database, Actor);

impl Loader<i64> for ThreadLoader {
    type Value = Thread;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Thread>, ApiError> {
        Ok(threads::visible_threads(&self.0, &self.1, ids).await?)
    }
}

/// Loads the messages the request's actor may see, by id.
pub struct MessageLoader(Database, Actor);

impl Loader<i64> for MessageLoader {
    type Value = Message;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Message>, ApiError> {
        Ok(messages::messages_by_ids(&self.0, &self.1, ids).await?)
    }
}

/// Loads the actor's unread counts, by thread id; threads with none are absent. Callers
/// check that the actor may see the threads.
pub struct UnreadCountLoader(Database, Actor);

impl Loader<i64> for UnreadCountLoader {
    type Value = i64;
    type Error = ApiError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, i64>, ApiError> {
        Ok(threads::unread_counts(&self.0, &self.1, ids).await?)
    }
}
