//! Who may do what: plain functions over an actor and a target, used by every resolver.
//!
//! Roles across the top: a visitor without a token; a signed-in user who is not a member of
//! the organisation in question ("outsider"); the four member roles of that organisation;
//! and the two platform roles of the ASEAN Secretariat (who need not be members).
//!
//! | action                                   | visitor | outsider | MEMBER | EDITOR | ADMIN | OWNER | SECRETARIAT_OFFICER | SECRETARIAT_ADMIN |
//! |------------------------------------------|---------|----------|--------|--------|-------|-------|---------------------|-------------------|
//! | read the directory                       | yes     | yes      | yes    | yes    | yes   | yes   | yes                 | yes               |
//! | see an organisation's members            | no      | no       | yes    | yes    | yes   | yes   | yes                 | yes               |
//! | see users at all (`node`, `Membership.user`) | no  | yes      | yes    | yes    | yes   | yes   | yes                 | yes               |
//! | see a user's e-mail, sign-ins, memberships | no    | self     | self   | self   | self  | self  | yes                 | yes               |
//! | invite a MEMBER, EDITOR or ADMIN         | no      | no       | no     | no     | yes   | yes   | no                  | yes               |
//! | invite an OWNER                          | no      | no       | no     | no     | no    | yes   | no                  | yes               |
//! | accept an invitation                     | no      | to their own address | ← | ←   | ←     | ←     | ←                   | ←                 |
//! | change a role below OWNER to one below OWNER | no  | no       | no     | no     | yes   | yes   | no                  | no                |
//! | make someone OWNER, or change an OWNER's role | no | no       | no     | no     | no    | yes   | no                  | no                |
//! | remove a member who is not an OWNER      | no      | no       | no     | no     | yes   | yes   | no                  | no                |
//! | remove an OWNER                          | no      | no       | no     | no     | no    | yes   | no                  | no                |
//! | leave (remove oneself)                   | -       | -        | yes    | yes    | yes   | yes   | -                   | -                 |
//!
//! "self" means only about themself. Whatever the role, an organisation keeps at least one
//! owner: the last one can neither leave nor be demoted or removed. Accepting needs a signed-in user whose e-mail address
//! is the invited one; `signUp` is how someone without an account accepts.

use super::membership::MemberRole;
use super::user::{Actor, PlatformRole};

/// Whether the actor may list an organisation's members.
pub fn may_view_members(actor: &Actor, organisation_id: i64) -> bool {
    actor.role_in(organisation_id).is_some() || actor.is_secretariat()
}

/// Whether the actor may see users at all.
pub fn may_view_users(actor: &Actor) -> bool {
    actor.user().is_some()
}

/// Whether the actor may read a user's e-mail address, sign-in times and memberships.
pub fn may_view_private_details(actor: &Actor, user_id: i64) -> bool {
    actor.is(user_id) || actor.is_secretariat()
}

/// Whether the actor may invite someone into an organisation with `role`.
pub fn may_invite(actor: &Actor, organisation_id: i64, role: MemberRole) -> bool {
    if actor.platform_role() == Some(PlatformRole::SecretariatAdmin) {
        return true;
    }
    match actor.role_in(organisation_id) {
        Some(MemberRole::Owner) => true,
        Some(MemberRole::Admin) => role != MemberRole::Owner,
        _ => false,
    }
}

/// Whether the actor may change a member's role from `current` to `new`.
pub fn may_change_role(
    actor: &Actor,
    organisation_id: i64,
    current: MemberRole,
    new: MemberRole,
) -> bool {
    match actor.role_in(organisation_id) {
        Some(MemberRole::Owner) => true,
        Some(MemberRole::Admin) => current != MemberRole::Owner && new != MemberRole::Owner,
        _ => false,
    }
}

/// Whether the actor may end the membership of `user_id`, whose role is `role`.
pub fn may_remove(actor: &Actor, organisation_id: i64, user_id: i64, role: MemberRole) -> bool {
    if actor.is(user_id) {
        return true;
    }
    match actor.role_in(organisation_id) {
        Some(MemberRole::Owner) => true,
        Some(MemberRole::Admin) => role != MemberRole::Owner,
        _ => false,
    }
}
