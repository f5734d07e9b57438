//! Password hashing with Argon2id. Hashing is slow on purpose, so it runs on a blocking
//! thread, off the request workers.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};

use super::DomainError;

/// A hash of a password no one has, verified when the e-mail is unknown so that an
/// unknown address takes as long to refuse as a wrong password.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZGVjb3lkZWNveWRlY295$5pQ9NKQDHPHLhYXnZRbqlTYKcQH0oWyAF4wqXOqR+Zk";

/// Hashes a password as an Argon2id PHC string with a fresh salt.
pub async fn hash(password: &str) -> Result<String, DomainError> {
    let mut salt = [0_u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| DomainError::Internal(format!("no random numbers for a salt: {e}")))?;
    hash_with_salt(password, salt).await
}

/// Hashes a password with the salt given: for synthetic data that must come out the same
/// every time. Real passwords get [`hash`].
pub async fn hash_with_salt(password: &str, salt: [u8; 16]) -> Result<String, DomainError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&salt)
            .map_err(|e| DomainError::Internal(format!("cannot encode a salt: {e}")))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| DomainError::Internal(format!("cannot hash a password: {e}")))
    })
    .await
    .map_err(|e| DomainError::Internal(format!("the hashing task failed: {e}")))?
}

/// Whether `password` matches `hash`; with no hash, checks a decoy and answers false.
pub async fn verify(password: &str, hash: Option<&str>) -> Result<bool, DomainError> {
    let password = password.to_owned();
    let (hash, real) = match hash {
        Some(hash) => (hash.to_owned(), true),
        None => (DECOY_HASH.to_owned(), false),
    };
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash)
            .map_err(|e| DomainError::Internal(format!("a stored password hash is bad: {e}")))?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(matches && real)
    })
    .await
    .map_err(|e| DomainError::Internal(format!("the verifying task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash("correct horse battery").await.unwrap();

        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains("correct horse"));
        assert!(verify("correct horse battery", Some(&hash)).await.unwrap());
        assert!(!verify("correct horse battery!", Some(&hash)).await.unwrap());
        assert!(!verify("anything", None).await.unwrap());
    }
}
