//! People in the graph: the `User` type and the platform roles.

use async_graphql::{Context, Enum, ID, Object};

use super::connection::Connection;
use super::error::ApiResult;
use super::ids::NodeId;
use super::loaders::Loaders;
use super::membership::Membership;
use super::scalars::DateTime;
use super::thread::{self, InboxFilter, Thread};
use crate::db::Database;
use crate::domain::pagination::PageArgs;
use crate::domain::permissions;
use crate::domain::threads::{self, InboxFilter as DomainInboxFilter};
use crate::domain::user::{self as model, Actor};

/// A role on the platform itself, held by staff of the ASEAN Secretariat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::PlatformRole")]
pub enum PlatformRole {
    /// Reviews accreditation applications and their documents.
    SecretariatOfficer,
    /// Records decisions and manages the directory and its accounts.
    SecretariatAdmin,
}

/// A person who signs in to the platform.
#[derive(Clone, Debug)]
pub struct User {
    user: model::User,
    /// Shown to the user themself, whoever the request's actor is: the user a sign-in
    /// just authenticated.
    as_self: bool,
}

impl User {
    /// The user as the request's actor may see them.
    pub fn new(user: model::User) -> Self {
        Self {
            user,
            as_self: false,
        }
    }

    /// The user as they see themself.
    pub fn as_self(user: model::User) -> Self {
        Self {
            user,
            as_self: true,
        }
    }

    /// Whether the request's actor may read this user's private fields.
    fn visible(&self, ctx: &Context<'_>) -> bool {
        let actor = ctx.data_unchecked::<Actor>();
        self.as_self || permissions::may_view_private_details(actor, self.user.id)
    }
}

/// A person who signs in to the platform. Some fields are private: they are null unless
/// you are this user or work for the ASEAN Secretariat.
#[Object]
impl User {
    /// Globally unique, opaque ID; fetch the user again with `node(id:)`.
    pub async fn id(&self) -> ID {
        NodeId::User(self.user.id).encode()
    }

    /// The name shown to others.
    async fn display_name(&self) -> &str {
        &self.user.display_name
    }

    /// The e-mail address they sign in with, lower-cased. Private.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        self.visible(ctx).then_some(self.user.email.as_str())
    }

    /// Their role on the platform; null for everyone outside the ASEAN Secretariat.
    async fn platform_role(&self) -> Option<PlatformRole> {
        self.user.platform_role.map(Into::into)
    }

    /// When the account was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.user.created_at)
    }

    /// The organisations they belong to, oldest membership first. Private.
    async fn memberships(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Membership>>> {
        if !self.visible(ctx) {
            return Ok(None);
        }
        let loaders = ctx.data_unchecked::<Loaders>();
        let memberships = loaders.memberships_of_users.load_one(self.user.id).await?;

        Ok(Some(
            memberships
                .unwrap_or_default()
                .into_iter()
                .map(Membership)
                .collect(),
        ))
    }

    /// Your conversations, most recent activity first. Null unless you are this user.
    #[graphql(complexity = "super::page_complexity(first, last, child_complexity)")]
    async fn inbox(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first this many (1 to 100), after `after` if given.")]
        first: Option<i32>,
        #[graphql(desc = "Start after the thread with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last this many (1 to 100), before `before` if given.")]
        last: Option<i32>,
        #[graphql(desc = "End before the thread with this cursor.")] before: Option<String>,
        #[graphql(desc = "Which threads to include; all of yours when left out.")] filter: Option<
            InboxFilter,
        >,
    ) -> ApiResult<Option<Connection<Thread>>> {
        if !ctx.data_unchecked::<Actor>().is(self.user.id) {
            return Ok(None);
        }
        let filter = filter.unwrap_or_default().into_domain()?;
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };

        Ok(Some(thread::inbox(ctx, filter, &args).await?))
    }

    /// How many of your threads hold messages you have not read. Null unless you are this
    /// user.
    async fn unread_thread_count(&self, ctx: &Context<'_>) -> ApiResult<Option<i64>> {
        let actor = ctx.data_unchecked::<Actor>();
        if !actor.is(self.user.id) {
            return Ok(None);
        }
        let db = ctx.data_unchecked::<Database>();
        let filter = DomainInboxFilter {
            unread_only: true,
            organisation_id: None,
        };

        Ok(Some(threads::count_inbox(db, actor, filter).await?))
    }

    /// When they last signed in; null if never. Private.
    async fn last_sign_in_at(&self, ctx: &Context<'_>) -> Option<DateTime> {
        self.user
            .last_sign_in_at
            .filter(|_| self.visible(ctx))
            .map(DateTime)
    }
}
