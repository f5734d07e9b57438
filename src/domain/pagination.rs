//! Keyset pagination: page arguments, their limits, and opaque cursors.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike as _};

use super::DomainError;
use super::validation::check_text;
use crate::db::organisations::Keyset;

/// The page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: i32 = 100;

/// The Relay arguments of a list field, as the client sent them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// Which rows to take from the range the cursors leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    pub limit: i64,
    /// The last `limit` rows rather than the first.
    pub from_end: bool,
}

impl PageArgs {
    /// Checks the sizes: `first` or `last`, not both, each from 1 to [`MAX_PAGE_SIZE`].
    pub fn window(&self) -> Result<Window, DomainError> {
        let check = |name: &str, size: i32| {
            if (1..=MAX_PAGE_SIZE).contains(&size) {
                Ok(i64::from(size))
            } else {
                Err(DomainError::invalid(format!(
                    "`{name}` must be between 1 and {MAX_PAGE_SIZE}, not {size}"
                )))
            }
        };
        match (self.first, self.last) {
            (Some(_), Some(_)) => Err(DomainError::invalid("pass `first` or `last`, not both")),
            (Some(first), None) => Ok(Window {
                limit: check("first", first)?,
                from_end: false,
            }),
            (None, Some(last)) => Ok(Window {
                limit: check("last", last)?,
                from_end: true,
            }),
            // Only `before`: the page just before it, as a client paging back expects.
            (None, None) => Ok(Window {
                limit: i64::from(DEFAULT_PAGE_SIZE),
                from_end: self.before.is_some() && self.after.is_none(),
            }),
        }
    }
}

impl PageArgs {
    /// The `after` and `before` cursors of a list ordered by id, read.
    pub fn id_bounds(&self) -> Result<(Option<i64>, Option<i64>), DomainError> {
        let read = |argument: &str, cursor: &Option<String>| {
            cursor
                .as_deref()
                .map(|c| decode_id_cursor(argument, c))
                .transpose()
        };
        Ok((read("after", &self.after)?, read("before", &self.before)?))
    }
}

/// One page of a list: each item with its cursor, and whether more lie either side.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub edges: Vec<(String, T)>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

impl<T> Page<T> {
    /// Assembles a page from rows fetched with one extra row to detect a further page.
    ///
    /// A cursor names an existing row, so a page that starts after one has a row before it.
    pub fn new(edges: Vec<(String, T)>, args: &PageArgs, window: Window, has_more: bool) -> Self {
        let (has_previous_page, has_next_page) = if window.from_end {
            (has_more, args.before.is_some())
        } else {
            (args.after.is_some(), has_more)
        };
        Self {
            edges,
            has_previous_page,
            has_next_page,
        }
    }

    /// The same page with each node turned by `f`.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            edges: self
                .edges
                .into_iter()
                .map(|(cursor, node)| (cursor, f(node)))
                .collect(),
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
        }
    }
}

/// Turns a position in a list into the opaque string clients pass back as `after`/`before`.
pub fn encode_cursor(keyset: &Keyset) -> String {
    let plain = match keyset {
        Keyset::Name(value, id) => format!("n:{id}:{value}"),
        Keyset::Acronym(value, id) => format!("a:{id}:{value}"),
        Keyset::CreatedAt(at, id) => format!("c:{id}:{}", at.and_utc().timestamp_micros()),
    };
    URL_SAFE_NO_PAD.encode(plain)
}

/// Reads a cursor made by [`encode_cursor`]; `argument` names it in the error.
pub fn decode_cursor(argument: &str, cursor: &str) -> Result<Keyset, DomainError> {
    let malformed = || DomainError::invalid(format!("`{argument}` is not a valid cursor"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| malformed())?;
    let plain = String::from_utf8(bytes).map_err(|_| malformed())?;
    let mut parts = plain.splitn(3, ':');
    let (Some(tag), Some(id), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(malformed());
    };
    let id: i64 = id.parse().map_err(|_| malformed())?;
    check_text(argument, value)?;

    match tag {
        "n" => Ok(Keyset::Name(value.to_owned(), id)),
        "a" => Ok(Keyset::Acronym(value.to_owned(), id)),
        "c" => {
            let micros: i64 = value.parse().map_err(|_| malformed())?;
            let at = DateTime::from_timestamp_micros(micros)
                .filter(|at| (1..=9999).contains(&at.year()))
                .ok_or_else(malformed)?;
            Ok(Keyset::CreatedAt(at.naive_utc(), id))
        }
        _ => Err(malformed()),
    }
}

/// The cursor of an item in a list ordered by id alone.
pub fn encode_id_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("i:{id}:"))
}

/// Reads a cursor made by [`encode_id_cursor`]; `argument` names it in the error.
pub fn decode_id_cursor(argument: &str, cursor: &str) -> Result<i64, DomainError> {
    let malformed = || DomainError::invalid(format!("`{argument}` is not a valid cursor"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| malformed())?;
    let plain = String::from_utf8(bytes).map_err(|_| malformed())?;
    plain
        .strip_prefix("i:")
        .and_then(|rest| rest.strip_suffix(':'))
        .and_then(|id| id.parse().ok())
        .ok_or_else(malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_survive_a_round_trip() {
        let at = DateTime::from_timestamp_micros(1_780_000_000_123_456)
            .unwrap()
            .naive_utc();
        for keyset in [
            Keyset::Name("asean: law association".into(), 7),
            Keyset::Acronym("ala".into(), 8),
            Keyset::CreatedAt(at, 9),
        ] {
            assert_eq!(
                decode_cursor("after", &encode_cursor(&keyset)).unwrap(),
                keyset
            );
        }
    }

    #[test]
    fn rejects_cursors_it_did_not_make() {
        let far_future = URL_SAFE_NO_PAD.encode(format!("c:1:{}", i64::MAX / 2));
        let nul = URL_SAFE_NO_PAD.encode("n:1:a\0b");
        for cursor in [
            "",
            "!!!",
            "bjp4",
            &URL_SAFE_NO_PAD.encode("x:1:a"),
            &far_future,
            &nul,
        ] {
            assert!(decode_cursor("after", cursor).is_err(), "{cursor}");
        }
    }

    #[test]
    fn page_sizes_stay_within_bounds() {
        let args = |first, last| PageArgs {
            first,
            last,
            ..PageArgs::default()
        };
        assert_eq!(args(None, None).window().unwrap().limit, 20);
        assert!(args(Some(0), None).window().is_err());
        assert!(args(Some(101), None).window().is_err());
        assert!(args(Some(1), Some(1)).window().is_err());
        assert_eq!(
            args(None, Some(100)).window().unwrap(),
            Window {
                limit: 100,
                from_end: true
            }
        );
        let before = PageArgs {
            before: Some("c".into()),
            ..PageArgs::default()
        };
        assert!(
            before.window().unwrap().from_end,
            "`before` alone pages backwards"
        );
    }
}
