//! Expected failures of a mutation, returned as data in its payload.

use async_graphql::{Enum, SimpleObject};

/// What kind of problem a user error is; stable, for clients to branch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum UserErrorCode {
    /// The value is not acceptable; `message` says why.
    Invalid,
    /// The e-mail address or the password is wrong, or the account is disabled. Which one
    /// is not said, so that no one learns which addresses have accounts.
    InvalidCredentials,
    /// The value is already taken by something else.
    Taken,
    /// The change would leave an organisation without an owner.
    LastOwner,
    /// Someone else changed the thing meanwhile; read it again before retrying.
    Changed,
    /// The version sent is not the current one: someone changed the thing since it was
    /// read. Nothing was written; read it again before retrying.
    Conflict,
    /// A required document is missing or not found satisfactory yet.
    DocumentsNotSatisfactory,
    /// A document the step needs has not been uploaded.
    DocumentsMissing,
    /// The file is not of a type the platform takes.
    UnsupportedMediaType,
    /// The thing is not in a status that allows this, such as archiving a draft.
    WrongStatus,
    /// A call for applications is not taking applications now.
    Closed,
}

/// A problem with a mutation's input that the user can fix.
#[derive(Clone, Debug, SimpleObject)]
pub struct UserError {
    /// The path to the input field at fault, such as `["input", "email"]`; empty when the
    /// problem is with the input as a whole.
    pub field: Vec<String>,
    /// What is wrong, in a sentence to show the user.
    pub message: String,
    /// What kind of problem this is.
    pub code: UserErrorCode,
}

impl UserError {
    /// A problem with `input.{field}` (which may be a dotted path, such as `event.endsAt`);
    /// the message starts with the field's name.
    pub fn on_input(field: &str, code: UserErrorCode, problem: &str) -> Self {
        let path = std::iter::once("input").chain(field.split('.'));
        Self {
            field: path.map(str::to_owned).collect(),
            message: format!("{field} {problem}"),
            code,
        }
    }
}
