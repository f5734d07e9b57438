//! Who may do what: plain functions over an actor and a target, used by every resolver.
//!
//! Roles across the top: `vis`, a visitor without a token; `out`, a signed-in user who is
//! not a member of the organisation in question; the four member roles of that organisation
//! (`MEM`, `EDI`, `ADM`, `OWN`); and the two platform roles of the ASEAN Secretariat, who
//! need not be members (`SO`, officer; `SA`, admin). `me`: only about themself.
//!
//! | action                                     | vis | out | MEM | EDI | ADM | OWN | SO  | SA  |
//! |--------------------------------------------|-----|-----|-----|-----|-----|-----|-----|-----|
//! | read the directory                         | yes | yes | yes | yes | yes | yes | yes | yes |
//! | see an organisation's members              | no  | no  | yes | yes | yes | yes | yes | yes |
//! | see users at all                           | no  | yes | yes | yes | yes | yes | yes | yes |
//! | see a user's e-mail, sign-ins, memberships | no  | me  | me  | me  | me  | me  | yes | yes |
//! | invite a MEMBER, EDITOR or ADMIN           | no  | no  | no  | no  | yes | yes | no  | yes |
//! | invite an OWNER                            | no  | no  | no  | no  | no  | yes | no  | yes |
//! | accept an invitation to their address      | no  | yes | yes | yes | yes | yes | yes | yes |
//! | change a role below OWNER to another       | no  | no  | no  | no  | yes | yes | no  | no  |
//! | make an OWNER, or change an OWNER's role   | no  | no  | no  | no  | no  | yes | no  | no  |
//! | remove a member who is not an OWNER        | no  | no  | no  | no  | yes | yes | no  | no  |
//! | remove an OWNER                            | no  | no  | no  | no  | no  | yes | no  | no  |
//! | leave (remove oneself)                     | -   | -   | yes | yes | yes | yes | -   | -   |
//! | create an organisation                     | no  | no  | no  | no  | no  | no  | no  | yes |
//! | edit the organisation's profile            | no  | no  | no  | no  | yes | yes | no  | no  |
//! | read PUBLIC posts                          | yes | yes | yes | yes | yes | yes | yes | yes |
//! | read PLATFORM posts                        | no  | any | yes | yes | yes | yes | yes | yes |
//! | read the organisation's drafts             | no  | no  | yes | yes | yes | yes | no  | no  |
//! | write, publish or archive its posts        | no  | no  | no  | yes | yes | yes | no  | no  |
//! | see and decide applications to its calls   | no  | no  | no  | yes | yes | yes | no  | no  |
//! | apply to another's call, see, withdraw     | no  | no  | no  | yes | yes | yes | no  | no  |
//!
//! `any`: a signed-in user who belongs to some organisation, whichever. Writing posts also
//! needs an organisation that may publish: an accredited entity, a centre or the Secretariat.
//! Whatever the role, an organisation keeps at least one owner: the last one can neither
//! leave nor be demoted or removed. `signUp` is how someone without an account accepts an
//! invitation. `tests/api/members.rs` checks every cell over HTTP on both backends.

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

/// Whether the actor may read posts meant for the platform's members.
pub fn may_read_platform_posts(actor: &Actor) -> bool {
    actor.is_secretariat() || !actor.organisation_ids().is_empty()
}

/// Whether the actor may read an organisation's drafts.
pub fn may_read_drafts(actor: &Actor, organisation_id: i64) -> bool {
    actor.role_in(organisation_id).is_some()
}

/// Whether the actor may write on an organisation's behalf: its posts, the decisions on
/// applications to its calls, and its own applications to others' calls.
pub fn may_write_for(actor: &Actor, organisation_id: i64) -> bool {
    actor
        .role_in(organisation_id)
        .is_some_and(MemberRole::is_editor)
}

/// Whether the actor may add organisations to the directory.
pub fn may_create_organisation(actor: &Actor) -> bool {
    actor.platform_role() == Some(PlatformRole::SecretariatAdmin)
}

/// Whether the actor may edit an organisation's profile.
pub fn may_update_organisation(actor: &Actor, organisation_id: i64) -> bool {
    actor
        .role_in(organisation_id)
        .is_some_and(MemberRole::is_admin)
}
