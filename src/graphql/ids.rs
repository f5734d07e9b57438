//! Global object identification: opaque IDs that name the type and the row.

use async_graphql::ID;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::ApiError;

/// What a global ID points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeId {
    Organisation(i64),
    User(i64),
    Membership(i64),
    Post(i64),
    CallApplication(i64),
    Thread(i64),
    Message(i64),
    Partnership(i64),
    AccreditationApplication(i64),
    Document(i64),
    /// An entity's annual report for a year.
    AnnualReport(i64, i32),
    AnnualReportDocument(i64),
}

impl NodeId {
    /// The opaque ID clients see. Clients must not take it apart; its form may change.
    pub fn encode(self) -> ID {
        let plain = match self {
            Self::Organisation(id) => format!("Organisation:{id}"),
            Self::User(id) => format!("User:{id}"),
            Self::Membership(id) => format!("Membership:{id}"),
            Self::Post(id) => format!("Post:{id}"),
            Self::CallApplication(id) => format!("CallApplication:{id}"),
            Self::Thread(id) => format!("Thread:{id}"),
            Self::Message(id) => format!("Message:{id}"),
            Self::Partnership(id) => format!("Partnership:{id}"),
            Self::AccreditationApplication(id) => format!("AccreditationApplication:{id}"),
            Self::Document(id) => format!("AccreditationDocument:{id}"),
            Self::AnnualReport(organisation, year) => {
                format!("AnnualReport:{organisation}:{year}")
            }
            Self::AnnualReportDocument(id) => format!("AnnualReportDocument:{id}"),
        };
        ID(URL_SAFE_NO_PAD.encode(plain))
    }

    /// Reads an ID made by [`NodeId::encode`].
    pub fn decode(id: &str) -> Result<Self, ApiError> {
        let malformed = || ApiError::BadUserInput(format!("`{id}` is not a valid ID"));
        let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| malformed())?;
        let plain = String::from_utf8(bytes).map_err(|_| malformed())?;
        let (kind, key) = plain.split_once(':').ok_or_else(malformed)?;
        if kind == "AnnualReport" {
            let (organisation, year) = key.split_once(':').ok_or_else(malformed)?;
            return Ok(Self::AnnualReport(
                organisation.parse().map_err(|_| malformed())?,
                year.parse().map_err(|_| malformed())?,
            ));
        }
        let key: i64 = key.parse().map_err(|_| malformed())?;

        match kind {
            "Organisation" => Ok(Self::Organisation(key)),
            "User" => Ok(Self::User(key)),
            "Membership" => Ok(Self::Membership(key)),
            "Post" => Ok(Self::Post(key)),
            "CallApplication" => Ok(Self::CallApplication(key)),
            "Thread" => Ok(Self::Thread(key)),
            "Message" => Ok(Self::Message(key)),
            "Partnership" => Ok(Self::Partnership(key)),
            "AccreditationApplication" => Ok(Self::AccreditationApplication(key)),
            "AccreditationDocument" => Ok(Self::Document(key)),
            "AnnualReportDocument" => Ok(Self::AnnualReportDocument(key)),
            _ => Err(malformed()),
        }
    }
}

/// Reads a list of organisation IDs; `argument` names the list in the error.
pub fn organisation_ids(argument: &str, ids: &[ID]) -> Result<Vec<i64>, ApiError> {
    ids.iter()
        .map(|id| match NodeId::decode(id)? {
            NodeId::Organisation(key) => Ok(key),
            _ => Err(ApiError::BadUserInput(format!(
                "`{}` in `{argument}` is not an organisation",
                id.as_str()
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_survive_a_round_trip() {
        for node in [
            NodeId::Organisation(42),
            NodeId::User(7),
            NodeId::Membership(3),
            NodeId::Post(4),
            NodeId::CallApplication(5),
            NodeId::Thread(6),
            NodeId::Message(7),
            NodeId::Partnership(6),
            NodeId::AccreditationApplication(9),
            NodeId::Document(10),
            NodeId::AnnualReport(11, 2025),
            NodeId::AnnualReportDocument(12),
        ] {
            assert_eq!(NodeId::decode(&node.encode()).unwrap(), node);
        }
    }

    #[test]
    fn rejects_ids_it_did_not_make() {
        let foreign = URL_SAFE_NO_PAD.encode("Planet:1");
        for id in ["", "%%%", "T3JnYW5pc2F0aW9u", &foreign] {
            assert!(NodeId::decode(id).is_err(), "{id}");
        }
    }
}
