//! Signing in with an e-mail address and a password, and slowing down those who guess.
//!
//! Failures are counted per e-mail address in the database, so every instance sees the
//! same count, and whether or not a user has the address. The first
//! [`FREE_FAILURES`] cost nothing; each failure after that blocks the address for
//! 30 seconds, doubling up to 15 minutes; an hour without failures forgets them. While an
//! address is blocked, every attempt is refused as rate-limited, right password or not.

use chrono::{Duration, NaiveDateTime};

use super::DomainError;
use super::password;
use super::token::{IssuedToken, TokenKeys};
use super::user::User;
use super::validation::normalise_email;
use crate::db::{self, Database, users};

/// Failures allowed before the address is blocked.
pub const FREE_FAILURES: i64 = 3;
/// The first block; each further failure doubles it.
const FIRST_BLOCK: Duration = Duration::seconds(30);
/// The longest block.
const LONGEST_BLOCK: Duration = Duration::minutes(15);
/// How long failures are remembered after the last one.
const MEMORY: Duration = Duration::hours(1);

/// How a sign-in attempt ended, when it was not refused outright.
#[derive(Debug)]
pub enum SignInOutcome {
    SignedIn {
        user: User,
        token: IssuedToken,
    },
    /// The address or the password is wrong (we don't say which), or the account is off.
    InvalidCredentials,
    /// The address is not an e-mail address.
    InvalidEmail(&'static str),
}

/// Checks the credentials and issues a token.
pub async fn sign_in(
    db: &Database,
    keys: &TokenKeys,
    email: &str,
    password: &str,
) -> Result<SignInOutcome, DomainError> {
    let email = match normalise_email(email) {
        Ok(email) => email,
        Err(problem) => return Ok(SignInOutcome::InvalidEmail(problem)),
    };
    let now = db::now();
    let mut conn = db.conn().await?;
    check_throttle(&mut conn, &email, now).await?;
    // Count the attempt as a failure before checking the password, atomically: attempts
    // racing in parallel each get their own number, and only the first few are checked.
    let attempt = users::count_failure(&mut conn, &email, now).await?;
    if attempt > FREE_FAILURES {
        users::block_until(&mut conn, &email, now + block_for(attempt - 1)).await?;
        let retry_after_secs = block_for(attempt - 1).num_seconds() as u64;
        return Err(DomainError::RateLimited { retry_after_secs });
    }

    let row = users::by_email(&mut conn, &email).await?;
    drop(conn);
    let matches =
        password::verify(password, row.as_ref().map(|r| r.password_hash.as_str())).await?;
    let mut conn = db.conn().await?;
    let user = match row {
        Some(row) if matches && !row.disabled => User::try_from(row)?,
        _ => {
            if attempt >= FREE_FAILURES {
                users::block_until(&mut conn, &email, now + block_for(attempt)).await?;
            }
            return Ok(SignInOutcome::InvalidCredentials);
        }
    };

    users::clear_throttle(&mut conn, &email).await?;
    users::record_sign_in(&mut conn, user.id, now).await?;
    let token = keys.issue(user.id, now.and_utc())?;
    let user = User {
        last_sign_in_at: Some(now.and_utc()),
        ..user
    };

    Ok(SignInOutcome::SignedIn { user, token })
}

/// Refuses the attempt while the address is blocked; forgets failures long past.
async fn check_throttle(
    conn: &mut db::DbConn,
    email: &str,
    now: NaiveDateTime,
) -> Result<(), DomainError> {
    let Some(throttle) = users::throttle(conn, email).await? else {
        return Ok(());
    };
    if let Some(until) = throttle.blocked_until.filter(|until| *until > now) {
        let retry_after_secs = (until - now).num_seconds().max(1) as u64;
        return Err(DomainError::RateLimited { retry_after_secs });
    }
    if now - throttle.last_failure_at > MEMORY {
        users::clear_throttle(conn, email).await?;
    }

    Ok(())
}

/// How long the address is blocked after its `failures`-th failure.
fn block_for(failures: i64) -> Duration {
    let doublings = u32::try_from(failures - FREE_FAILURES)
        .unwrap_or(u32::MAX)
        .min(16);
    (FIRST_BLOCK * 2_i32.pow(doublings)).min(LONGEST_BLOCK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_double_up_to_a_quarter_of_an_hour() {
        assert_eq!(block_for(3), Duration::seconds(30));
        assert_eq!(block_for(4), Duration::seconds(60));
        assert_eq!(block_for(7), Duration::seconds(480));
        assert_eq!(block_for(8), Duration::minutes(15));
        assert_eq!(block_for(1000), Duration::minutes(15));
    }
}
