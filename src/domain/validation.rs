//! Checks on what people type: e-mail addresses, names and passwords.

use super::DomainError;

/// Longest e-mail address accepted (RFC 5321's limit on a path).
const MAX_EMAIL_LENGTH: usize = 254;
/// Shortest password accepted.
pub const MIN_PASSWORD_LENGTH: usize = 12;
/// Longest password accepted; Argon2 would take anything, but a megabyte is an attack.
const MAX_PASSWORD_LENGTH: usize = 1024;
/// Longest display name or organisation name.
const MAX_NAME_LENGTH: usize = 200;

/// The e-mail address trimmed and lower-cased, or why it is not one.
///
/// Only the shape is checked (something, `@`, a domain with a dot); whether mail arrives is
/// for the invitation to find out.
pub fn normalise_email(email: &str) -> Result<String, &'static str> {
    let email = email.trim().to_lowercase();
    let valid_shape = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
    });
    if !valid_shape || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("is not an e-mail address");
    }
    if email.chars().count() > MAX_EMAIL_LENGTH {
        return Err("is longer than 254 characters");
    }
    Ok(email)
}

/// The name trimmed, or why it is not acceptable: 1 to 200 characters.
pub fn check_name(name: &str) -> Result<String, &'static str> {
    let name = name.trim();
    if name.is_empty() {
        return Err("must not be empty");
    }
    if name.chars().count() > MAX_NAME_LENGTH {
        return Err("is longer than 200 characters");
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(name.to_owned())
}

/// Why a new password is not acceptable, if it is not.
pub fn check_new_password(password: &str) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LENGTH {
        return Err("must be at least 12 characters long");
    }
    if length > MAX_PASSWORD_LENGTH {
        return Err("is longer than 1024 characters");
    }
    if password.contains('\0') {
        return Err("must not contain NUL characters");
    }
    Ok(())
}

/// Refuses text the databases cannot store: PostgreSQL rejects the NUL character.
pub fn check_text(argument: &str, text: &str) -> Result<(), DomainError> {
    if text.contains('\0') {
        return Err(DomainError::invalid(format!(
            "`{argument}` may not contain NUL characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_are_normalised_or_refused() {
        assert_eq!(
            normalise_email("  Officer@ASEAN.org ").unwrap(),
            "officer@asean.org"
        );
        for bad in [
            "",
            "asean.org",
            "@asean.org",
            "a@b",
            "a@.org",
            "a b@asean.org",
            "a@b@c.org",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_and_passwords_have_bounds() {
        assert_eq!(check_name("  Siti  ").unwrap(), "Siti");
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(201)).is_err());
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("twelve chars").is_ok());
    }
}
