//! Access tokens: signed, expiring JWTs (HS256) that name a user.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::DomainError;

/// Who issues and accepts the tokens.
const ISSUER: &str = "entities-hub";
/// Shortest signing secret accepted, in bytes.
pub const MIN_SECRET_LENGTH: usize = 32;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user's id.
    sub: String,
    iss: String,
    iat: i64,
    exp: i64,
}

/// A token and when it stops working.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Signs and checks access tokens with one shared secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    lifetime: Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// Keys from a secret of at least [`MIN_SECRET_LENGTH`] bytes.
    pub fn new(secret: &[u8], lifetime: Duration) -> Result<Self, String> {
        if secret.len() < MIN_SECRET_LENGTH {
            return Err(format!(
                "the token secret must be at least {MIN_SECRET_LENGTH} bytes"
            ));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        // Instances share a clock source in practice; a token is expired when it says so.
        validation.leeway = 0;

        let encoding = EncodingKey::from_secret(secret).map_err(|e| e.to_string())?;
        let decoding = DecodingKey::from_secret(secret).map_err(|e| e.to_string())?;

        Ok(Self {
            encoding,
            decoding,
            validation,
            lifetime,
        })
    }

    /// A token for `user_id`, valid from `now` for the configured lifetime.
    pub fn issue(&self, user_id: i64, now: DateTime<Utc>) -> Result<IssuedToken, DomainError> {
        let lifetime = chrono::Duration::from_std(self.lifetime)
            .map_err(|_| DomainError::Internal("the token lifetime is out of range".into()))?;
        let expires_at = now + lifetime;
        let claims = Claims {
            sub: user_id.to_string(),
            iss: ISSUER.to_owned(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| DomainError::Internal(format!("cannot sign a token: {e}")))?;

        Ok(IssuedToken { token, expires_at })
    }

    /// The user a token names, if it is well formed, signed with our secret and unexpired.
    pub fn verify(&self, token: &str) -> Option<i64> {
        self.verify_until(token).map(|(user_id, _)| user_id)
    }

    /// Like [`TokenKeys::verify`], with when the token expires.
    pub fn verify_until(&self, token: &str) -> Option<(i64, DateTime<Utc>)> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        let expires_at = DateTime::from_timestamp(data.claims.exp, 0)?;
        Some((data.claims.sub.parse().ok()?, expires_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(secret.as_bytes(), Duration::from_secs(3600)).unwrap()
    }

    #[test]
    fn a_token_names_its_user_until_it_expires() {
        let keys = keys("0123456789abcdef0123456789abcdef");
        let fresh = keys.issue(7, Utc::now()).unwrap();
        let stale = keys
            .issue(7, Utc::now() - chrono::Duration::hours(2))
            .unwrap();

        assert_eq!(keys.verify(&fresh.token), Some(7));
        assert_eq!(keys.verify(&stale.token), None);
    }

    #[test]
    fn forged_and_tampered_tokens_are_refused() {
        let ours = keys("0123456789abcdef0123456789abcdef");
        let theirs = keys("fedcba9876543210fedcba9876543210");
        let forged = theirs.issue(7, Utc::now()).unwrap().token;
        let mut tampered = ours.issue(7, Utc::now()).unwrap().token;
        tampered.insert(tampered.len() - 3, 'x');

        assert_eq!(ours.verify(&forged), None);
        assert_eq!(ours.verify(&tampered), None);
        assert_eq!(ours.verify("not.a.token"), None);
        assert!(TokenKeys::new(b"short", Duration::from_secs(1)).is_err());
    }
}
