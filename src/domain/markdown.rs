//! Markdown bodies rendered to HTML that is safe to put in a page as it is.

use pulldown_cmark::{Options, Parser, html};

/// Renders Markdown to sanitised HTML: no scripts, styles, event handlers or `javascript:`
/// links; links may only be `http`, `https` or `mailto`, and get
/// `rel="noopener noreferrer nofollow"`.
pub fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));

    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_formatting_and_drops_what_runs() {
        let html = to_safe_html(
            "# Forum\n\n**Bold** [site](https://asean.org) \
             <script>alert(1)</script> <img src=x onerror=alert(1)> [bad](javascript:alert(1))",
        );

        assert!(html.contains("<h1>Forum</h1>"), "{html}");
        assert!(html.contains("<strong>Bold</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://asean.org" rel="noopener noreferrer nofollow">"#),
            "{html}"
        );
        for unsafe_part in ["<script", "onerror", "javascript:"] {
            assert!(!html.contains(unsafe_part), "{unsafe_part} in {html}");
        }
    }
}
