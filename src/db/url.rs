//! Which database a URL names: a PostgreSQL server or an SQLite file.

use std::fmt;
use std::path::PathBuf;

/// A parsed `--database-url`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A `postgres://` or `postgresql://` URL, kept as given.
    Postgres(String),
    /// The path of an SQLite database file.
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// Reads `postgres://…`, `postgresql://…`, `sqlite://path`, `sqlite:path` or a plain path.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("the database URL is empty".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_owned()));
        }
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or(raw.strip_prefix("sqlite:"))
        {
            if path.is_empty() || path == ":memory:" {
                // Limitation: each pooled connection would get its own empty in-memory
                // database, so only files are accepted.
                return Err("an SQLite database URL must name a file".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(format!(
                "unsupported database URL scheme `{scheme}`: use postgres://… or an SQLite file path"
            ));
        }
        Ok(Self::Sqlite(PathBuf::from(raw)))
    }

    /// Whether this is the embedded SQLite backend.
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }
}

/// Shows the URL with any password replaced, so it can go into logs and error messages.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Hides a password given as `user:password@` or as a `password=` query parameter.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let parameters: Vec<String> = query
                .split('&')
                .map(|parameter| match parameter.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => parameter.to_owned(),
                })
                .collect();
            format!("{path}?{}", parameters.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_accepted_form() {
        let pg = "postgres://hub@db:5432/hub";
        assert_eq!(DatabaseUrl::parse(pg), Ok(DatabaseUrl::Postgres(pg.into())));
        let sqlite = DatabaseUrl::Sqlite(PathBuf::from("data/hub.db"));
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/hub.db"),
            Ok(sqlite.clone())
        );
        assert_eq!(DatabaseUrl::parse("sqlite:data/hub.db"), Ok(sqlite.clone()));
        assert_eq!(DatabaseUrl::parse("data/hub.db"), Ok(sqlite));
    }

    #[test]
    fn rejects_other_schemes_and_empty_urls() {
        assert!(DatabaseUrl::parse("mysql://localhost/hub").is_err());
        assert!(DatabaseUrl::parse("  ").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn hides_the_password_when_shown() {
        let url = DatabaseUrl::parse("postgres://hub:secret@db:5432/hub").unwrap();
        assert_eq!(url.to_string(), "postgres://hub:***@db:5432/hub");
        let url = DatabaseUrl::parse("postgres://db/hub?sslmode=require&password=secret").unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://db/hub?sslmode=require&password=***"
        );
        let url = DatabaseUrl::parse("postgres://hub@db/hub").unwrap();
        assert_eq!(url.to_string(), "postgres://hub@db/hub");
    }
}
