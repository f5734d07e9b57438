//! Timestamps read without chrono's format parser.
//!
//! SQLite stores a timestamp as text, and diesel reads it by trying chrono's `parse_from_str`
//! with one format after another, interpreting the format string afresh for every value: on
//! a page of posts that was a tenth of the server's work. The server writes one layout,
//! `YYYY-MM-DD HH:MM:SS` with an optional fraction, so the hot rows read their timestamps
//! through [`Stamp`] and [`MaybeStamp`] (`#[diesel(deserialize_as = …)]`), which read that
//! layout by hand and leave anything else to diesel. PostgreSQL sends timestamps as binary;
//! there they defer to diesel throughout.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::{Sqlite, SqliteType};

/// A `Timestamp` column, read into a [`NaiveDateTime`].
#[derive(Clone, Copy, Debug, PartialEq, FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

/// A nullable `Timestamp` column, read into an `Option<NaiveDateTime>`.
#[derive(Clone, Copy, Debug, PartialEq, FromSqlRow)]
pub struct MaybeStamp(pub Option<NaiveDateTime>);

impl From<Stamp> for NaiveDateTime {
    fn from(stamp: Stamp) -> Self {
        stamp.0
    }
}

impl From<MaybeStamp> for Option<NaiveDateTime> {
    fn from(stamp: MaybeStamp) -> Self {
        stamp.0
    }
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if value.value_type() == Some(SqliteType::Text)
            && let Some(stamp) = parse(value.read_text())
        {
            return Ok(Self(stamp));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Self)
    }
}

impl<DB: Backend> FromSql<Nullable<Timestamp>, DB> for MaybeStamp
where
    Stamp: FromSql<Timestamp, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Stamp::from_sql(value).map(|stamp| Self(Some(stamp.0)))
    }

    fn from_nullable_sql(value: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match value {
            Some(value) => Self::from_sql(value),
            None => Ok(Self(None)),
        }
    }
}

/// Reads `YYYY-MM-DD HH:MM:SS`, with an optional fraction of one to nine digits: the layout
/// diesel writes and SQLite's `CURRENT_TIMESTAMP` gives. `None` for anything else.
fn parse(text: &str) -> Option<NaiveDateTime> {
    let bytes = text.as_bytes();
    let (stamp, fraction) = bytes.split_at_checked(19)?;
    let separators = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
    if separators
        .iter()
        .any(|&(at, separator)| stamp[at] != separator)
    {
        return None;
    }
    let number = |from: usize, to: usize| digits(&stamp[from..to]);
    let nanos = match fraction {
        [] => 0,
        [b'.', digits_of @ ..] if (1..=9).contains(&digits_of.len()) => {
            digits(digits_of)? * 10u32.pow(9 - digits_of.len() as u32)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 7)?, number(8, 10)?)?.and_hms_nano_opt(
        number(11, 13)?,
        number(14, 16)?,
        number(17, 19)?,
        nanos,
    )
}

/// The value of a run of ASCII digits, at most nine of them.
fn digits(text: &[u8]) -> Option<u32> {
    text.iter().try_fold(0u32, |value, &digit| {
        digit
            .is_ascii_digit()
            .then(|| value * 10 + u32::from(digit - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What diesel itself reads, for comparison.
    fn diesel_reads(text: &str) -> Option<NaiveDateTime> {
        NaiveDateTime::parse_from_str(text, "%F %T%.f").ok()
    }

    #[test]
    fn reads_what_diesel_writes() {
        for text in [
            "2026-12-04 21:43:46",
            "2026-12-04 21:43:46.5",
            "2026-12-04 21:43:46.123",
            "2026-12-04 21:43:46.123456",
            "2026-12-04 21:43:46.123456789",
            "1999-01-01 00:00:00",
            "2024-02-29 23:59:59.999999",
        ] {
            assert_eq!(parse(text), diesel_reads(text), "{text}");
            assert!(parse(text).is_some(), "{text}");
        }
        let now = chrono::Utc::now().naive_utc();
        let written = now.format("%F %T%.f").to_string();
        assert_eq!(parse(&written), Some(now), "{written}");
    }

    #[test]
    fn leaves_other_layouts_and_nonsense_to_diesel() {
        for text in [
            "2026-12-04T21:43:46",
            "2026-12-04 21:43:46Z",
            "2026-12-04 21:43:46+01:00",
            "2026-12-04 21:43",
            "2026-12-04 21:43:46.",
            "2026-12-04 21:43:46.1234567890",
            "2026-13-04 21:43:46",
            "2026-02-30 21:43:46",
            "2026-12-04 24:00:00",
            "2026-1a-04 21:43:46",
            "+026-12-04 21:43:46",
            "2459000.5",
            "",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
