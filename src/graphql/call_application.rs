//! Applications to calls in the graph: the `CallApplication` type, and `applyToCall`,
//! `decideCallApplication` and `withdrawCallApplication`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};

use super::error::{ApiError, ApiResult};
use super::ids::NodeId;
use super::loaders::Loaders;
use super::organisation::Organisation;
use super::post::Post;
use super::scalars::DateTime;
use super::user::User;
use super::user_error::{UserError, UserErrorCode};
use crate::db::Database;
use crate::domain::call_applications::{
    self as model, ApplicationOutcome, ApplicationProblem, ApplicationStatus,
};
use crate::domain::user::Actor;

/// Where an application stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "model::ApplicationStatus")]
pub enum CallApplicationStatus {
    /// Received; no decision yet.
    Submitted,
    /// On the publisher's shortlist; a final decision is to come.
    Shortlisted,
    /// Accepted by the publisher. Final.
    Accepted,
    /// Declined by the publisher. Final.
    Declined,
    /// Withdrawn by the applicant. Final: an organisation applies once per call.
    Withdrawn,
}

/// A decision the publisher of a call can make on an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum CallApplicationDecision {
    /// Keep it for the final round; it can still be accepted or declined.
    Shortlisted,
    /// Accept it. Final.
    Accepted,
    /// Decline it. Final.
    Declined,
}

impl From<CallApplicationDecision> for ApplicationStatus {
    fn from(decision: CallApplicationDecision) -> Self {
        match decision {
            CallApplicationDecision::Shortlisted => Self::Shortlisted,
            CallApplicationDecision::Accepted => Self::Accepted,
            CallApplicationDecision::Declined => Self::Declined,
        }
    }
}

/// An organisation's answer to a call for applications. Visible to the editors, admins and
/// owners of the applicant and of the publisher.
#[derive(Clone, Debug)]
pub struct CallApplication(pub model::CallApplication);

/// An organisation's answer to a call for applications.
#[Object]
impl CallApplication {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        NodeId::CallApplication(self.0.id).encode()
    }

    /// Where it stands.
    async fn status(&self) -> CallApplicationStatus {
        self.0.status.into()
    }

    /// What the applicant wrote, in plain text.
    async fn statement(&self) -> &str {
        &self.0.statement
    }

    /// When it was submitted.
    async fn submitted_at(&self) -> DateTime {
        DateTime(self.0.submitted_at)
    }

    /// When its status last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }

    /// The organisation that applied.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let organisation = loaders
            .organisations
            .load_one(self.0.organisation_id)
            .await?;
        organisation
            .map(Organisation::from)
            .ok_or(ApiError::Internal)
    }

    /// The call it answers; null if you may no longer read the call.
    async fn call(&self, ctx: &Context<'_>) -> ApiResult<Option<Post>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let call = loaders.posts.load_one(self.0.call_id).await?;

        Ok(call.map(Post::from))
    }

    /// The person who submitted it.
    async fn submitted_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let user = loaders.users.load_one(self.0.submitted_by).await?;

        Ok(user.map(User::new))
    }
}

/// An application to a call.
#[derive(Debug, InputObject)]
pub struct ApplyToCallInput {
    /// The call, as read from `CallForApplications.id`.
    call_id: ID,
    /// The organisation applying; you must be its editor, admin or owner.
    organisation_id: ID,
    /// Why the organisation applies, in plain text; 1 to 10,000 characters.
    statement: String,
}

/// A decision on an application.
#[derive(Debug, InputObject)]
pub struct DecideCallApplicationInput {
    /// The application, as read from `CallApplication.id`.
    application_id: ID,
    /// The decision.
    decision: CallApplicationDecision,
}

/// The application to withdraw.
#[derive(Debug, InputObject)]
pub struct WithdrawCallApplicationInput {
    /// The application, as read from `CallApplication.id`.
    application_id: ID,
}

/// What the application mutations return.
#[derive(Debug, Default, SimpleObject)]
pub struct CallApplicationPayload {
    /// The application as it now stands; null on failure.
    application: Option<CallApplication>,
    /// What is wrong; empty on success.
    user_errors: Vec<UserError>,
}

/// Answering calls on `Mutation`.
#[derive(Default)]
pub struct CallApplicationMutation;

#[Object]
impl CallApplicationMutation {
    /// Applies to an open call for applications on behalf of an organisation, once per
    /// organisation per call. Not to your own organisation's calls.
    async fn apply_to_call(
        &self,
        ctx: &Context<'_>,
        input: ApplyToCallInput,
    ) -> ApiResult<CallApplicationPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let call_id = match NodeId::decode(&input.call_id)? {
            NodeId::Post(id) => id,
            _ => return Err(ApiError::BadUserInput("`callId` is not a post".into())),
        };
        let organisation_id = match NodeId::decode(&input.organisation_id)? {
            NodeId::Organisation(id) => id,
            _ => {
                let message = "`organisationId` is not an organisation".into();
                return Err(ApiError::BadUserInput(message));
            }
        };

        let outcome =
            model::apply_to_call(db, actor, call_id, organisation_id, &input.statement).await;
        payload(outcome)
    }

    /// Shortlists, accepts or declines an application to one of your organisation's calls.
    /// A submitted application takes any decision; a shortlisted one a final one.
    async fn decide_call_application(
        &self,
        ctx: &Context<'_>,
        input: DecideCallApplicationInput,
    ) -> ApiResult<CallApplicationPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let id = application_id(&input.application_id)?;

        payload(model::decide(db, actor, id, input.decision.into()).await)
    }

    /// Withdraws your organisation's application before a final decision. The
    /// organisation cannot apply to the same call again.
    async fn withdraw_call_application(
        &self,
        ctx: &Context<'_>,
        input: WithdrawCallApplicationInput,
    ) -> ApiResult<CallApplicationPayload> {
        let (db, actor) = (
            ctx.data_unchecked::<Database>(),
            ctx.data_unchecked::<Actor>(),
        );
        let id = application_id(&input.application_id)?;

        payload(model::withdraw(db, actor, id).await)
    }
}

fn application_id(id: &ID) -> ApiResult<i64> {
    match NodeId::decode(id)? {
        NodeId::CallApplication(id) => Ok(id),
        _ => Err(ApiError::BadUserInput(
            "`applicationId` is not a call application".into(),
        )),
    }
}

fn payload(outcome: ApplicationOutcome) -> ApiResult<CallApplicationPayload> {
    Ok(match outcome? {
        Ok(application) => CallApplicationPayload {
            application: Some(CallApplication(application)),
            user_errors: Vec::new(),
        },
        Err(problem) => CallApplicationPayload {
            application: None,
            user_errors: vec![user_error(problem)],
        },
    })
}

fn user_error(problem: ApplicationProblem) -> UserError {
    match problem {
        ApplicationProblem::Field(problem) => {
            UserError::on_input(problem.field, UserErrorCode::Invalid, problem.problem)
        }
        ApplicationProblem::Closed => UserError::on_input(
            "callId",
            UserErrorCode::Closed,
            "is not taking applications now: it has not opened, or its deadline has passed",
        ),
        ApplicationProblem::AlreadyApplied => UserError::on_input(
            "organisationId",
            UserErrorCode::Taken,
            "has already applied to this call",
        ),
        ApplicationProblem::OwnCall => UserError::on_input(
            "organisationId",
            UserErrorCode::Invalid,
            "published this call and cannot apply to it",
        ),
        ApplicationProblem::WrongStatus(status) => UserError::on_input(
            "applicationId",
            UserErrorCode::WrongStatus,
            &format!(
                "is {} and can no longer take this change",
                status.as_str().to_lowercase()
            ),
        ),
        ApplicationProblem::Changed => UserError::on_input(
            "applicationId",
            UserErrorCode::Changed,
            "was changed by someone else meanwhile; look again",
        ),
    }
}
