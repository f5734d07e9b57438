//! Public events as an iCalendar document (RFC 5545), each in its own time zone, with the
//! `VTIMEZONE` definitions calendar programs need.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Offset as _, TimeDelta, TimeZone as _, Utc};
use chrono_tz::{OffsetComponents as _, OffsetName as _, Tz};

use crate::domain::organisation::Organisation;
use crate::domain::post::{Post, PostDetails};

/// Renders the event announcements among `posts` as a `VCALENDAR`.
pub fn render(
    posts: &[Post],
    organisations: &HashMap<i64, Organisation>,
    global_id: impl Fn(i64) -> String,
) -> String {
    let events: Vec<_> = posts
        .iter()
        .filter_map(|post| match &post.details {
            PostDetails::Event(event) => event
                .time_zone
                .parse::<Tz>()
                .ok()
                .map(|tz| (post, event, tz)),
            _ => None,
        })
        .collect();

    // The span each zone is needed for, to define its offsets over that span only.
    let mut spans: BTreeMap<String, (Tz, DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
    for (_, event, tz) in &events {
        let span =
            spans
                .entry(tz.name().to_owned())
                .or_insert((*tz, event.starts_at, event.ends_at));
        span.1 = span.1.min(event.starts_at);
        span.2 = span.2.max(event.ends_at);
    }

    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//entities-hub//public events//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "X-WR-CALNAME:ASEAN entities and centres: events".to_owned(),
    ];
    for (tz, from, to) in spans.values() {
        time_zone(
            &mut lines,
            *tz,
            *from - TimeDelta::days(1),
            *to + TimeDelta::days(1),
        );
    }
    for (post, event, tz) in &events {
        let organiser = organisations
            .get(&post.organisation_id)
            .map_or("", |o| o.name.as_str());
        lines.push("BEGIN:VEVENT".to_owned());
        lines.push(format!("UID:{}@entities-hub", global_id(post.id)));
        lines.push(format!("DTSTAMP:{}", utc(post.updated_at)));
        lines.push(format!(
            "DTSTART;TZID={}:{}",
            tz.name(),
            local(event.starts_at, *tz)
        ));
        lines.push(format!(
            "DTEND;TZID={}:{}",
            tz.name(),
            local(event.ends_at, *tz)
        ));
        lines.push(format!("SUMMARY:{}", text(&post.title)));
        let description = post.summary.as_deref().unwrap_or(&post.body);
        if !description.is_empty() {
            lines.push(format!("DESCRIPTION:{}", text(description)));
        }
        if let Some(place) = event.venue.as_deref().or(event.online_url.as_deref()) {
            lines.push(format!("LOCATION:{}", text(place)));
        }
        if let Some(url) = event
            .registration_url
            .as_deref()
            .or(event.online_url.as_deref())
        {
            lines.push(format!("URL:{url}"));
        }
        if !organiser.is_empty() {
            lines.push(format!("X-ORGANISER-NAME:{}", text(organiser)));
        }
        if !post.tags.is_empty() {
            let tags: Vec<String> = post.tags.iter().map(|tag| text(tag)).collect();
            lines.push(format!("CATEGORIES:{}", tags.join(",")));
        }
        lines.push("END:VEVENT".to_owned());
    }
    lines.push("END:VCALENDAR".to_owned());

    let mut calendar = String::with_capacity(lines.len() * 80);
    for line in &lines {
        fold(&mut calendar, line);
    }
    calendar
}

/// A `VTIMEZONE` for `tz` that is right from `from` to `to`: its offset at `from`, and each
/// change of offset until `to`.
fn time_zone(lines: &mut Vec<String>, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) {
    lines.push("BEGIN:VTIMEZONE".to_owned());
    lines.push(format!("TZID:{}", tz.name()));
    let mut previous = tz.offset_from_utc_datetime(&from.naive_utc());
    observance(lines, from, &previous, &previous);

    // Offsets change at most a few times a year: step by day, then find the second.
    let mut day = from;
    while day < to {
        let next_day = day + TimeDelta::days(1);
        let offset = tz.offset_from_utc_datetime(&next_day.naive_utc());
        if offset.fix() != previous.fix() {
            let (mut before, mut after) = (day, next_day);
            while after - before > TimeDelta::seconds(1) {
                let middle = before + (after - before) / 2;
                if tz.offset_from_utc_datetime(&middle.naive_utc()).fix() == previous.fix() {
                    before = middle;
                } else {
                    after = middle;
                }
            }
            observance(lines, after, &previous, &offset);
            previous = offset;
        }
        day = next_day;
    }
    lines.push("END:VTIMEZONE".to_owned());
}

/// One `STANDARD` or `DAYLIGHT` block: from `at`, the offset is `to` instead of `from`.
fn observance(
    lines: &mut Vec<String>,
    at: DateTime<Utc>,
    from: &chrono_tz::TzOffset,
    to: &chrono_tz::TzOffset,
) {
    let kind = if to.dst_offset().is_zero() {
        "STANDARD"
    } else {
        "DAYLIGHT"
    };
    // The onset is written in the local time that was in force just before it.
    let onset = at.naive_utc() + TimeDelta::seconds(i64::from(from.fix().local_minus_utc()));
    lines.push(format!("BEGIN:{kind}"));
    lines.push(format!("DTSTART:{}", onset.format("%Y%m%dT%H%M%S")));
    lines.push(format!("TZOFFSETFROM:{}", offset_text(from)));
    lines.push(format!("TZOFFSETTO:{}", offset_text(to)));
    if let Some(name) = to.abbreviation() {
        lines.push(format!("TZNAME:{}", text(name)));
    }
    lines.push(format!("END:{kind}"));
}

fn offset_text(offset: &chrono_tz::TzOffset) -> String {
    let seconds = offset.fix().local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.abs();
    format!("{sign}{:02}{:02}", seconds / 3600, seconds % 3600 / 60)
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local(at: DateTime<Utc>, tz: Tz) -> String {
    let local: NaiveDateTime = at.with_timezone(&tz).naive_local();
    local.format("%Y%m%dT%H%M%S").to_string()
}

/// Escapes a TEXT value: backslashes, semicolons, commas and line breaks.
fn text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for ch in value.chars() {
        match ch {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// Writes a content line, folded so that no line is longer than 75 octets, never inside a
/// character, and ended with CRLF.
fn fold(out: &mut String, line: &str) {
    let mut width = 0;
    for ch in line.chars() {
        if width + ch.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += ch.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_between_characters() {
        let mut out = String::new();
        fold(&mut out, &format!("SUMMARY:{}", "é".repeat(60)));

        for line in out.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert_eq!(
            out.replace("\r\n ", ""),
            format!("SUMMARY:{}\r\n", "é".repeat(60))
        );
    }

    #[test]
    fn a_zone_with_summer_time_lists_its_changes() {
        let mut lines = Vec::new();
        let from = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2027, 12, 31, 0, 0, 0).unwrap();

        time_zone(&mut lines, chrono_tz::Europe::Berlin, from, to);

        let text = lines.join("\n");
        assert!(
            text.contains(
                "BEGIN:DAYLIGHT\nDTSTART:20270328T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "BEGIN:STANDARD\nDTSTART:20271031T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100"
            ),
            "{text}"
        );
    }
}
