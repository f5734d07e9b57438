//! `node(id:)` and `nodes(ids:)`: fetch any object of the graph by its global ID.

use async_graphql::{Context, ID, Interface, Object};

use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::loaders::Loaders;
use super::membership::Membership;
use super::organisation::{Centre, Entity, Organisation, Secretariat};
use super::user::User;

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
        let (organisations, users, memberships) = futures::try_join!(
            loaders.organisations.load_many(organisation_keys),
            loaders.users.load_many(user_keys),
            loaders.memberships.load_many(membership_keys),
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
            })
            .collect())
    }
}
