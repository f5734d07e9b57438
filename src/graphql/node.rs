//! `node(id:)` and `nodes(ids:)`: fetch any object of the graph by its global ID.

use std::collections::HashMap;

use async_graphql::{Context, ID, Interface, Object};

use super::accreditation::AccreditationApplication;
use super::accreditation_document::AccreditationDocument;
use super::annual_report::{AnnualReport, AnnualReportDocument};
use super::call_application::CallApplication;
use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::loaders::Loaders;
use super::membership::Membership;
use super::organisation::{Centre, Entity, Organisation, Secretariat};
use super::partnership::Partnership;
use super::post::{CallForApplications, EventAnnouncement, NewsPost, Post};
use super::thread::{Message, Thread};
use super::user::User;
use crate::db::Database;
use crate::domain::annual_reports::{self, ReportSchedule};
use crate::domain::user::Actor;

/// The most IDs one `nodes` call takes.
const MAX_NODES: usize = 100;

/// An object with a global ID, which `node(id:)` fetches again.
#[derive(Clone, Debug, Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Globally unique, opaque ID."))]
pub enum Node {
    Entity(Entity),
    Centre(Centre),
    Secretariat(Secretariat),
    User(User),
    Membership(Membership),
    NewsPost(NewsPost),
    EventAnnouncement(EventAnnouncement),
    CallForApplications(CallForApplications),
    CallApplication(CallApplication),
    Thread(Thread),
    Message(Message),
    Partnership(Partnership),
    AccreditationApplication(AccreditationApplication),
    AccreditationDocument(AccreditationDocument),
    AnnualReport(AnnualReport),
    AnnualReportDocument(AnnualReportDocument),
}

impl From<Post> for Node {
    fn from(post: Post) -> Self {
        match post {
            Post::NewsPost(post) => Self::NewsPost(post),
            Post::EventAnnouncement(post) => Self::EventAnnouncement(post),
            Post::CallForApplications(post) => Self::CallForApplications(post),
        }
    }
}

impl From<Organisation> for Node {
    fn from(organisation: Organisation) -> Self {
        match organisation {
            Organisation::Entity(entity) => Self::Entity(entity),
            Organisation::Centre(centre) => Self::Centre(centre),
            Organisation::Secretariat(secretariat) => Self::Secretariat(secretariat),
        }
    }
}

/// The entry points for global IDs on `Query`.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this ID, or null if there is none.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID, as read from an `id` field.")] id: ID,
    ) -> ApiResult<Option<Node>> {
        let id = NodeId::decode(&id)?;
        let loaders = ctx.data_unchecked::<Loaders>();

        match id {
            NodeId::Organisation(key) => {
                let organisation = loaders.organisations.load_one(key).await?;
                Ok(organisation.map(|o| Node::from(Organisation::from(o))))
            }
            NodeId::User(key) => {
                let user = loaders.users.load_one(key).await?;
                Ok(user.map(|user| Node::User(User::new(user))))
            }
            NodeId::Membership(key) => {
                let membership = loaders.memberships.load_one(key).await?;
                Ok(membership.map(|m| Node::Membership(Membership(m))))
            }
            NodeId::Post(key) => {
                let post = loaders.posts.load_one(key).await?;
                Ok(post.map(|post| Node::from(Post::from(post))))
            }
            NodeId::CallApplication(key) => {
                let application = loaders.call_applications.load_one(key).await?;
                Ok(application.map(|a| Node::CallApplication(CallApplication(a))))
            }
            NodeId::Thread(key) => {
                let thread = loaders.threads.load_one(key).await?;
                Ok(thread.map(|thread| Node::Thread(Thread(thread))))
            }
            NodeId::Message(key) => {
                let message = loaders.messages.load_one(key).await?;
                Ok(message.map(|message| Node::Message(Message(message))))
            }
            NodeId::Partnership(key) => {
                let partnership = loaders.partnerships.load_one(key).await?;
                Ok(partnership.map(|p| Node::Partnership(Partnership(p))))
            }
            NodeId::AccreditationApplication(key) => {
                let application = loaders.accreditation_applications.load_one(key).await?;
                Ok(
                    application
                        .map(|a| Node::AccreditationApplication(AccreditationApplication(a))),
                )
            }
            NodeId::Document(key) => {
                let document = loaders.documents.load_one(key).await?;
                Ok(document.map(|d| Node::AccreditationDocument(AccreditationDocument(d))))
            }
            NodeId::AnnualReport(organisation, year) => {
                let key = (organisation, year);
                let mut reports = annual_reports(ctx, &[key]).await?;
                Ok(reports
                    .remove(&key)
                    .map(|report| Node::AnnualReport(AnnualReport(report))))
            }
            NodeId::AnnualReportDocument(key) => {
                let document = loaders.report_documents.load_one(key).await?;
                Ok(document.map(|d| Node::AnnualReportDocument(AnnualReportDocument(d))))
            }
        }
    }

    /// The objects with these IDs, in the same order; null where there is none. Takes at most
    /// 100 IDs, fetched together.
    #[graphql(complexity = "ids.len() * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs, as read from `id` fields.")] ids: Vec<ID>,
    ) -> ApiResult<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            let message = format!("`ids` may hold at most {MAX_NODES} IDs");
            return Err(ApiError::BadUserInput(message));
        }
        let ids = ids
            .iter()
            .map(|id| NodeId::decode(id))
            .collect::<Result<Vec<_>, _>>()?;
        let loaders = ctx.data_unchecked::<Loaders>();

        // One batch per type, all sent together.
        let organisation_keys = ids.iter().filter_map(|id| match id {
            NodeId::Organisation(key) => Some(*key),
            _ => None,
        });
        let user_keys = ids.iter().filter_map(|id| match id {
            NodeId::User(key) => Some(*key),
            _ => None,
        });
        let membership_keys = ids.iter().filter_map(|id| match id {
            NodeId::Membership(key) => Some(*key),
            _ => None,
        });
        let post_keys = ids.iter().filter_map(|id| match id {
            NodeId::Post(key) => Some(*key),
            _ => None,
        });
        let application_keys = ids.iter().filter_map(|id| match id {
            NodeId::CallApplication(key) => Some(*key),
            _ => None,
        });
        let thread_keys = ids.iter().filter_map(|id| match id {
            NodeId::Thread(key) => Some(*key),
            _ => None,
        });
        let message_keys = ids.iter().filter_map(|id| match id {
            NodeId::Message(key) => Some(*key),
            _ => None,
        });
        let partnership_keys = ids.iter().filter_map(|id| match id {
            NodeId::Partnership(key) => Some(*key),
            _ => None,
        });
        let accreditation_keys = ids.iter().filter_map(|id| match id {
            NodeId::AccreditationApplication(key) => Some(*key),
            _ => None,
        });
        let document_keys = ids.iter().filter_map(|id| match id {
            NodeId::Document(key) => Some(*key),
            _ => None,
        });
        let report_keys: Vec<(i64, i32)> = ids
            .iter()
            .filter_map(|id| match id {
                NodeId::AnnualReport(organisation, year) => Some((*organisation, *year)),
                _ => None,
            })
            .collect();
        let report_document_keys = ids.iter().filter_map(|id| match id {
            NodeId::AnnualReportDocument(key) => Some(*key),
            _ => None,
        });
        let (
            organisations,
            users,
            memberships,
            posts,
            applications,
            threads,
            messages,
            partnerships,
            accreditation_applications,
            documents,
            reports,
            report_documents,
        ) = futures::try_join!(
            loaders.organisations.load_many(organisation_keys),
            loaders.users.load_many(user_keys),
            loaders.memberships.load_many(membership_keys),
            loaders.posts.load_many(post_keys),
            loaders.call_applications.load_many(application_keys),
            loaders.threads.load_many(thread_keys),
            loaders.messages.load_many(message_keys),
            loaders.partnerships.load_many(partnership_keys),
            loaders
                .accreditation_applications
                .load_many(accreditation_keys),
            loaders.documents.load_many(document_keys),
            annual_reports(ctx, &report_keys),
            loaders.report_documents.load_many(report_document_keys),
        )?;

        Ok(ids
            .iter()
            .map(|id| match id {
                NodeId::Organisation(key) => organisations
                    .get(key)
                    .map(|o| Node::from(Organisation::from(o.clone()))),
                NodeId::User(key) => users.get(key).map(|u| Node::User(User::new(u.clone()))),
                NodeId::Membership(key) => memberships
                    .get(key)
                    .map(|m| Node::Membership(Membership(m.clone()))),
                NodeId::Post(key) => posts
                    .get(key)
                    .map(|post| Node::from(Post::from(post.clone()))),
                NodeId::CallApplication(key) => applications
                    .get(key)
                    .map(|a| Node::CallApplication(CallApplication(a.clone()))),
                NodeId::Thread(key) => threads.get(key).map(|t| Node::Thread(Thread(t.clone()))),
                NodeId::Message(key) => {
                    messages.get(key).map(|m| Node::Message(Message(m.clone())))
                }
                NodeId::Partnership(key) => partnerships
                    .get(key)
                    .map(|p| Node::Partnership(Partnership(p.clone()))),
                NodeId::AccreditationApplication(key) => accreditation_applications
                    .get(key)
                    .map(|a| Node::AccreditationApplication(AccreditationApplication(a.clone()))),
                NodeId::Document(key) => documents
                    .get(key)
                    .map(|d| Node::AccreditationDocument(AccreditationDocument(d.clone()))),
                NodeId::AnnualReport(organisation, year) => reports
                    .get(&(*organisation, *year))
                    .map(|r| Node::AnnualReport(AnnualReport(r.clone()))),
                NodeId::AnnualReportDocument(key) => report_documents
                    .get(key)
                    .map(|d| Node::AnnualReportDocument(AnnualReportDocument(d.clone()))),
            })
            .collect())
    }
}

/// The annual reports with these keys that the request's actor may read. Not a loader: a
/// report's status depends on the configured schedule, which the loaders do not hold.
async fn annual_reports(
    ctx: &Context<'_>,
    keys: &[(i64, i32)],
) -> ApiResult<HashMap<(i64, i32), annual_reports::AnnualReport>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let db = ctx.data_unchecked::<Database>();
    let actor = ctx.data_unchecked::<Actor>();
    let schedule = *ctx.data_unchecked::<ReportSchedule>();
    Ok(annual_reports::reports_by_keys(db, schedule, actor, keys).await?)
}
