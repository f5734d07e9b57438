//! Memberships and invitations, and the permission matrix of `domain::permissions`, cell by
//! cell, for every role.

use std::collections::HashMap;

use entities_hub::domain::accounts;
use entities_hub::domain::membership::{self, MemberRole};
use entities_hub::domain::user::PlatformRole;
use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_backends, token_for};
use crate::support::global_id;

/// The roles across the top of the permission matrix.
const ROLES: [&str; 8] = [
    "visitor",
    "outsider",
    "MEMBER",
    "EDITOR",
    "ADMIN",
    "OWNER",
    "SECRETARIAT_OFFICER",
    "SECRETARIAT_ADMIN",
];

const PASSWORD: &str = "a long enough password";

/// One user per role around the sample centre `acb`, each with a token.
struct Cast {
    organisation_id: String,
    tokens: HashMap<&'static str, String>,
    user_ids: HashMap<&'static str, String>,
}

impl Cast {
    async fn new(app: &TestApp) -> Self {
        let organisation = app
            .data(r#"{ organisation(slug: "acb") { id } }"#, json!({}))
            .await;
        let acb = entities_hub::domain::directory::organisation_by_slug(&app.db, "acb")
            .await
            .unwrap()
            .unwrap();
        let (mut tokens, mut user_ids) = (HashMap::new(), HashMap::new());
        for role in &ROLES[1..] {
            let platform_role = match *role {
                "SECRETARIAT_OFFICER" => Some(PlatformRole::SecretariatOfficer),
                "SECRETARIAT_ADMIN" => Some(PlatformRole::SecretariatAdmin),
                _ => None,
            };
            let email = format!("{}@cast.example", role.to_lowercase());
            let user = accounts::create_user(&app.db, &email, role, PASSWORD, platform_role)
                .await
                .unwrap()
                .unwrap();
            if let Some(member_role) = MemberRole::parse(role) {
                membership::enrol(&app.db, acb.id, user.id, member_role)
                    .await
                    .unwrap();
            }
            tokens.insert(*role, token_for(user.id));
            user_ids.insert(*role, global_id("User", user.id));
        }
        Self {
            organisation_id: organisation["organisation"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
            tokens,
            user_ids,
        }
    }

    /// Sends a request as `role` and returns the whole body.
    async fn send(&self, app: &TestApp, role: &str, query: &str, variables: Value) -> Value {
        match self.tokens.get(role) {
            Some(token) => app
                .post_with_token(token, query, variables)
                .await
                .json()
                .await
                .unwrap(),
            None => app.graphql(query, variables).await,
        }
    }
}

/// What one cell of the matrix expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Allowed,
    /// Answered, but with the thing hidden (null).
    Hidden,
    /// A top-level error with this code.
    Refused(&'static str),
}

use Outcome::{Allowed, Hidden, Refused};

/// Checks one row of the matrix: `expected` lists the outcome for each of [`ROLES`].
async fn check_row(
    action: &str,
    expected: [Outcome; 8],
    attempt: impl AsyncFn(&str) -> Value,
    allowed: impl Fn(&Value) -> bool,
) {
    for (role, expected) in ROLES.iter().zip(expected) {
        let body = attempt(role).await;
        let outcome = match body["errors"][0]["extensions"]["code"].as_str() {
            Some("UNAUTHENTICATED") => Refused("UNAUTHENTICATED"),
            Some("FORBIDDEN") => Refused("FORBIDDEN"),
            Some(other) => panic!("{action} as {role}: unexpected {other}: {body}"),
            None if allowed(&body["data"]) => Allowed,
            None => Hidden,
        };
        assert_eq!(outcome, expected, "{action} as {role}: {body}");
    }
}

const MEMBERS: &str = r#"query ($id: ID!) { node(id: $id) { ... on Organisation {
    members(first: 50) { totalCount nodes { id role user { displayName } } } } } }"#;

const INVITE: &str = r#"mutation ($organisationId: ID!, $email: String!, $role: MemberRole!) {
  inviteMember(input: {organisationId: $organisationId, email: $email, role: $role}) {
    invitationToken invitation { email role expiresAt } userErrors { field message code } } }"#;

const USER: &str = r#"query ($id: ID!) { node(id: $id) { ... on User {
    displayName email lastSignInAt memberships { role } } } }"#;

async fn every_cell_of_the_permission_matrix_holds(app: TestApp) {
    let cast = Cast::new(&app).await;
    let organisation = json!({ "id": cast.organisation_id });

    check_row(
        "see the members",
        [
            Hidden, Hidden, Allowed, Allowed, Allowed, Allowed, Allowed, Allowed,
        ],
        async |role| cast.send(&app, role, MEMBERS, organisation.clone()).await,
        |data| data["node"]["members"]["totalCount"] == 4,
    )
    .await;

    let membership = cast
        .send(&app, "OWNER", MEMBERS, organisation.clone())
        .await["data"]["node"]["members"]["nodes"][0]["id"]
        .clone();
    check_row(
        "see a membership by its ID",
        [
            Hidden, Hidden, Allowed, Allowed, Allowed, Allowed, Allowed, Allowed,
        ],
        async |role| {
            let query = "query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Membership { role } } }";
            cast.send(&app, role, query, json!({ "ids": [membership] }))
                .await
        },
        |data| data["nodes"][0]["role"].is_string(),
    )
    .await;

    for (invited, admin_may) in [
        ("MEMBER", Allowed),
        ("EDITOR", Allowed),
        ("ADMIN", Allowed),
        ("OWNER", Refused("FORBIDDEN")),
    ] {
        let forbidden = Refused("FORBIDDEN");
        check_row(
            &format!("invite an {invited}"),
            [
                Refused("UNAUTHENTICATED"),
                forbidden,
                forbidden,
                forbidden,
                admin_may,
                Allowed,
                forbidden,
                Allowed,
            ],
            async |role| {
                let variables = json!({ "organisationId": cast.organisation_id,
                    "email": format!("new-{role}@invited.example"), "role": invited });
                cast.send(&app, role, INVITE, variables).await
            },
            |data| data["inviteMember"]["invitationToken"].is_string(),
        )
        .await;
    }

    let owner = &cast.user_ids["OWNER"];
    check_row(
        "see a user at all",
        [
            Hidden, Allowed, Allowed, Allowed, Allowed, Allowed, Allowed, Allowed,
        ],
        async |role| cast.send(&app, role, USER, json!({ "id": owner })).await,
        |data| data["node"]["displayName"] == "OWNER",
    )
    .await;

    check_row(
        "see another user's e-mail, sign-ins and memberships",
        [
            Hidden, Hidden, Hidden, Hidden, Hidden, Allowed, Allowed, Allowed,
        ],
        async |role| cast.send(&app, role, USER, json!({ "id": owner })).await,
        |data| {
            let user = &data["node"];
            let visible = user["email"] == "owner@cast.example";
            assert_eq!(
                visible,
                user["memberships"].is_array(),
                "e-mail and memberships agree"
            );
            visible
        },
    )
    .await;
}

const CHANGE_ROLE: &str = r#"mutation ($id: ID!, $role: MemberRole!) {
  changeMemberRole(input: {membershipId: $id, role: $role}) {
    membership { role } userErrors { field message code } } }"#;

const REMOVE: &str = r#"mutation ($id: ID!) {
  removeMember(input: {membershipId: $id}) { removedMembershipId userErrors { code } } }"#;

/// The row of an action that only the organisation's owners (and, per `admin_may`, its
/// admins) may take on a membership; outsiders don't even see it.
fn running_membership(admin_may: Outcome) -> [Outcome; 8] {
    let forbidden = Refused("FORBIDDEN");
    [
        Refused("UNAUTHENTICATED"),
        Hidden,
        forbidden,
        forbidden,
        admin_may,
        Allowed,
        forbidden,
        forbidden,
    ]
}

/// A new member of `acb` with `role`; returns the membership's global ID.
async fn new_member(app: &TestApp, role: MemberRole) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let email = format!(
        "target{}@cast.example",
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let user = accounts::create_user(&app.db, &email, "Target", PASSWORD, None)
        .await
        .unwrap()
        .unwrap();
    let acb = entities_hub::domain::directory::organisation_by_slug(&app.db, "acb")
        .await
        .unwrap()
        .unwrap();
    let id = membership::enrol(&app.db, acb.id, user.id, role)
        .await
        .unwrap()
        .unwrap();
    global_id("Membership", id)
}

async fn every_cell_about_running_membership_holds(app: TestApp) {
    let cast = Cast::new(&app).await;
    let forbidden = Refused("FORBIDDEN");
    let rows = [
        (
            "change a MEMBER to EDITOR",
            MemberRole::Member,
            "EDITOR",
            Allowed,
        ),
        (
            "make a MEMBER an OWNER",
            MemberRole::Member,
            "OWNER",
            forbidden,
        ),
        (
            "make an OWNER a MEMBER",
            MemberRole::Owner,
            "MEMBER",
            forbidden,
        ),
    ];

    for (action, from, to, admin_may) in rows {
        check_row(
            action,
            running_membership(admin_may),
            async |role| {
                let variables = json!({ "id": new_member(&app, from).await, "role": to });
                cast.send(&app, role, CHANGE_ROLE, variables).await
            },
            |data| data["changeMemberRole"]["membership"]["role"] == to,
        )
        .await;
    }
    for (action, target, admin_may) in [
        ("remove a MEMBER", MemberRole::Member, Allowed),
        ("remove an OWNER", MemberRole::Owner, forbidden),
    ] {
        check_row(
            action,
            running_membership(admin_may),
            async |role| {
                let variables = json!({ "id": new_member(&app, target).await });
                cast.send(&app, role, REMOVE, variables).await
            },
            |data| data["removeMember"]["removedMembershipId"].is_string(),
        )
        .await;
    }
}

const CREATE: &str = r#"mutation ($slug: String!) {
  createOrganisation(input: {kind: CENTRE, slug: $slug, name: "New Centre"}) {
    organisation { slug } userErrors { field message code } } }"#;

const UPDATE: &str = r#"mutation ($id: ID!, $name: String!) {
  updateOrganisation(input: {organisationId: $id, name: $name}) {
    organisation { name } userErrors { field message code } } }"#;

async fn every_cell_about_the_directory_holds(app: TestApp) {
    let cast = Cast::new(&app).await;
    let forbidden = Refused("FORBIDDEN");
    let unauthenticated = Refused("UNAUTHENTICATED");

    check_row(
        "create an organisation",
        [
            unauthenticated,
            forbidden,
            forbidden,
            forbidden,
            forbidden,
            forbidden,
            forbidden,
            Allowed,
        ],
        async |role| {
            let slug = format!("new-centre-{}", role.to_lowercase().replace('_', "-"));
            cast.send(&app, role, CREATE, json!({ "slug": slug })).await
        },
        |data| data["createOrganisation"]["organisation"]["slug"].is_string(),
    )
    .await;
    check_row(
        "edit the organisation's profile",
        [
            unauthenticated,
            forbidden,
            forbidden,
            forbidden,
            Allowed,
            Allowed,
            forbidden,
            forbidden,
        ],
        async |role| {
            let variables =
                json!({ "id": cast.organisation_id, "name": format!("Edited by {role}") });
            cast.send(&app, role, UPDATE, variables).await
        },
        |data| data["updateOrganisation"]["organisation"]["name"].is_string(),
    )
    .await;
}

const ACCEPT: &str = r#"mutation ($token: String!) {
  acceptInvitation(input: {invitationToken: $token}) {
    membership { role } userErrors { code } } }"#;

async fn every_cell_about_reading_joining_and_leaving_holds(app: TestApp) {
    let cast = Cast::new(&app).await;
    let other_centre = app
        .data(r#"{ organisation(slug: "acc") { id } }"#, json!({}))
        .await["organisation"]["id"]
        .clone();

    check_row(
        "read the directory",
        [Allowed; 8],
        async |role| {
            cast.send(&app, role, "{ organisations { totalCount } }", json!({}))
                .await
        },
        |data| data["organisations"]["totalCount"] == 29,
    )
    .await;
    check_row(
        "accept an invitation to their address",
        [
            Refused("UNAUTHENTICATED"),
            Allowed,
            Allowed,
            Allowed,
            Allowed,
            Allowed,
            Allowed,
            Allowed,
        ],
        async |role| {
            let email = match role {
                "visitor" => "visitor@cast.example".to_owned(),
                role => format!("{}@cast.example", role.to_lowercase()),
            };
            let variables =
                json!({ "organisationId": other_centre, "email": email, "role": "MEMBER" });
            let invited = cast
                .send(&app, "SECRETARIAT_ADMIN", INVITE, variables)
                .await;
            let token = &invited["data"]["inviteMember"]["invitationToken"];
            cast.send(&app, role, ACCEPT, json!({ "token": token }))
                .await
        },
        |data| data["acceptInvitation"]["membership"]["role"] == "MEMBER",
    )
    .await;

    // Last, as it ends the cast's memberships; the owner cannot leave, being the last one.
    let members = cast
        .send(
            &app,
            "OWNER",
            MEMBERS,
            json!({ "id": cast.organisation_id }),
        )
        .await;
    let nodes = members["data"]["node"]["members"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    for role in ["MEMBER", "EDITOR", "ADMIN"] {
        let own = nodes
            .iter()
            .find(|n| n["user"]["displayName"] == role)
            .unwrap();
        let left = cast
            .send(&app, role, REMOVE, json!({ "id": own["id"] }))
            .await;
        assert!(
            left["data"]["removeMember"]["removedMembershipId"].is_string(),
            "{role} leaves"
        );
    }
}

async fn the_last_owner_can_neither_leave_nor_be_demoted(app: TestApp) {
    let cast = Cast::new(&app).await;
    let owner = &cast.tokens["OWNER"];
    let members = app
        .data_as(
            owner,
            r#"query ($id: ID!) { node(id: $id) { ... on Organisation {
            members(first: 10) { nodes { id role user { displayName } } } } } }"#,
            json!({ "id": cast.organisation_id }),
        )
        .await;
    let own = |name: &str| -> String {
        let nodes = members["node"]["members"]["nodes"].as_array().unwrap();
        let node = nodes
            .iter()
            .find(|n| n["user"]["displayName"] == name)
            .unwrap();
        node["id"].as_str().unwrap().to_owned()
    };
    let (owner_membership, member_membership) = (own("OWNER"), own("MEMBER"));

    let leave = app
        .data_as(owner, REMOVE, json!({ "id": owner_membership }))
        .await;
    let demote = app
        .data_as(
            owner,
            CHANGE_ROLE,
            json!({ "id": owner_membership, "role": "ADMIN" }),
        )
        .await;
    let second_owner = new_member(&app, MemberRole::Owner).await;
    let leave_now = app
        .data_as(owner, REMOVE, json!({ "id": owner_membership }))
        .await;
    let member_leaves = app
        .data_as(
            &cast.tokens["MEMBER"],
            REMOVE,
            json!({ "id": member_membership }),
        )
        .await;

    assert_eq!(leave["removeMember"]["userErrors"][0]["code"], "LAST_OWNER");
    assert_eq!(
        demote["changeMemberRole"]["userErrors"][0]["code"],
        "LAST_OWNER"
    );
    assert!(!second_owner.is_empty());
    assert_eq!(leave_now["removeMember"]["userErrors"], json!([]));
    assert_eq!(
        member_leaves["removeMember"]["removedMembershipId"],
        member_membership.as_str()
    );
}

on_both_backends!(
    every_cell_of_the_permission_matrix_holds,
    every_cell_about_running_membership_holds,
    every_cell_about_the_directory_holds,
    every_cell_about_reading_joining_and_leaving_holds,
    the_last_owner_can_neither_leave_nor_be_demoted
);
