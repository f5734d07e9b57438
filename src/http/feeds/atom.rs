//! Public posts as an Atom feed (RFC 4287).

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::markdown;
use crate::domain::organisation::Organisation;
use crate::domain::post::Post;

/// Renders `posts`, newest first, as an Atom document. `self_url` is the feed's own
/// address, when the request said which host it was made to.
pub fn render(
    posts: &[Post],
    organisations: &HashMap<i64, Organisation>,
    self_url: Option<&str>,
    global_id: impl Fn(i64) -> String,
) -> String {
    let updated = posts
        .iter()
        .map(|post| post.updated_at)
        .max()
        .unwrap_or_else(Utc::now);
    let mut xml = String::with_capacity(4096 + posts.len() * 2048);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    xml.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    xml.push_str("  <id>tag:entities-hub,2026:posts</id>\n");
    xml.push_str("  <title>ASEAN entities and centres: news and announcements</title>\n");
    let _ = writeln!(xml, "  <updated>{}</updated>", timestamp(updated));
    xml.push_str("  <author><name>ASEAN entities hub</name></author>\n");
    if let Some(url) = self_url {
        let _ = writeln!(xml, "  <link rel=\"self\" href=\"{}\"/>", escape(url));
    }

    for post in posts {
        let author = organisations
            .get(&post.organisation_id)
            .map_or("Unknown organisation", |o| o.name.as_str());
        xml.push_str("  <entry>\n");
        let _ = writeln!(
            xml,
            "    <id>tag:entities-hub,2026:post:{}</id>",
            escape(&global_id(post.id))
        );
        let _ = writeln!(xml, "    <title>{}</title>", escape(&post.title));
        let _ = writeln!(xml, "    <updated>{}</updated>", timestamp(post.updated_at));
        if let Some(published) = post.published_at {
            let _ = writeln!(xml, "    <published>{}</published>", timestamp(published));
        }
        let _ = writeln!(xml, "    <author><name>{}</name></author>", escape(author));
        for tag in &post.tags {
            let _ = writeln!(xml, "    <category term=\"{}\"/>", escape(tag));
        }
        if let Some(summary) = &post.summary {
            let _ = writeln!(xml, "    <summary>{}</summary>", escape(summary));
        }
        let html = markdown::to_safe_html(&post.body);
        let _ = writeln!(
            xml,
            "    <content type=\"html\">{}</content>",
            escape(&html)
        );
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Escapes text for XML content and attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => {}
            c => escaped.push(c),
        }
    }
    escaped
}
