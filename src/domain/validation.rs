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

/// A field the user must fix, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    /// The input field, as the API names it.
    pub field: &'static str,
    pub problem: &'static str,
    /// The value is fine but taken by another organisation.
    pub taken: bool,
}

impl FieldProblem {
    /// A problem with `field` that is not about a taken value.
    pub fn new(field: &'static str, problem: &'static str) -> Self {
        Self {
            field,
            problem,
            taken: false,
        }
    }
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

/// Optional text, trimmed, at most `limit` characters; empty means none.
pub fn optional_text(
    field: &'static str,
    text: Option<&str>,
    limit: usize,
) -> Result<Option<String>, FieldProblem> {
    let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > limit {
        return Err(FieldProblem::new(field, "is too long"));
    }
    check_text(field, text).map_err(|_| FieldProblem::new(field, "contains a NUL character"))?;
    Ok(Some(text.to_owned()))
}

/// A web address: `http://` or `https://` and a host with a dot, no spaces, at most 300
/// characters; empty means none.
pub fn check_web_address(
    field: &'static str,
    address: Option<&str>,
) -> Result<Option<String>, FieldProblem> {
    let Some(website) = optional_text(field, address, 300)? else {
        return Ok(None);
    };
    let has_host = website
        .strip_prefix("https://")
        .or_else(|| website.strip_prefix("http://"))
        .is_some_and(|rest| {
            rest.split('/')
                .next()
                .is_some_and(|host| host.contains('.'))
        });
    if !has_host || website.contains(char::is_whitespace) {
        return Err(FieldProblem::new(
            field,
            "must be an http:// or https:// address",
        ));
    }
    Ok(Some(website))
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
