//! Users, their platform roles, and the actor a request is made by.

use chrono::{DateTime, Utc};

use super::DomainError;
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

/// Who makes a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Actor {
    Anonymous,
    User(User),
}

impl Actor {
    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&User> {
        match self {
            Self::Anonymous => None,
            Self::User(user) => Some(user),
        }
    }

    /// Whether the actor works for the ASEAN Secretariat on the platform.
    pub fn is_secretariat(&self) -> bool {
        self.user().is_some_and(|user| user.platform_role.is_some())
    }

    /// Whether the actor may see a user's e-mail address and sign-in times: the user
    /// themself and the Secretariat.
    pub fn may_see_private_details_of(&self, user_id: i64) -> bool {
        self.user().is_some_and(|user| user.id == user_id) || self.is_secretariat()
    }
}
