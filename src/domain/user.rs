//! Users, their platform roles, and the actor a request is made by.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::DomainError;
use super::membership::MemberRole;
use super::text_enum::text_enum;
use crate::db::users::UserRow;

text_enum! {
    /// A role on the platform itself, held by staff of the ASEAN Secretariat.
    pub enum PlatformRole {
        SecretariatOfficer => "SECRETARIAT_OFFICER",
        SecretariatAdmin => "SECRETARIAT_ADMIN",
    }
}

/// A person who signs in.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub platform_role: Option<PlatformRole>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

impl TryFrom<UserRow> for User {
    type Error = DomainError;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        let platform_role = match row.platform_role.as_deref() {
            Some(role) => Some(PlatformRole::parse(role).ok_or_else(|| {
                DomainError::Internal(format!("user {} has a bad platform_role", row.id))
            })?),
            None => None,
        };

        Ok(Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            platform_role,
            disabled: row.disabled,
            created_at: row.created_at.and_utc(),
            last_sign_in_at: row.last_sign_in_at.map(|at| at.and_utc()),
        })
    }
}

/// Who makes a request: nobody, or a user with their roles in organisations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Actor {
    user: Option<User>,
    roles: HashMap<i64, MemberRole>,
    /// When the credentials the actor presented stop working; live subscriptions end then.
    expires_at: Option<DateTime<Utc>>,
}

impl Actor {
    /// A request without a token.
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// A signed-in user and their role in each organisation they belong to.
    pub fn signed_in(user: User, roles: HashMap<i64, MemberRole>) -> Self {
        Self {
            user: Some(user),
            roles,
            expires_at: None,
        }
    }

    /// The same actor, whose credentials stop working at `expires_at`.
    pub fn until(self, expires_at: DateTime<Utc>) -> Self {
        Self {
            expires_at: Some(expires_at),
            ..self
        }
    }

    /// When the actor's credentials stop working, if they do.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }

    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&User> {
        self.user.as_ref()
    }

    /// The actor's role in an organisation, if they belong to it.
    pub fn role_in(&self, organisation_id: i64) -> Option<MemberRole> {
        self.roles.get(&organisation_id).copied()
    }

    /// The organisations the actor belongs to.
    pub fn organisation_ids(&self) -> Vec<i64> {
        self.roles.keys().copied().collect()
    }

    /// The actor's role on the platform, if they work for the Secretariat.
    pub fn platform_role(&self) -> Option<PlatformRole> {
        self.user.as_ref().and_then(|user| user.platform_role)
    }

    /// Whether the actor works for the ASEAN Secretariat on the platform.
    pub fn is_secretariat(&self) -> bool {
        self.platform_role().is_some()
    }

    /// Whether the actor is this user.
    pub fn is(&self, user_id: i64) -> bool {
        self.user.as_ref().is_some_and(|user| user.id == user_id)
    }
}
