//! Media types of GraphQL over HTTP, and choosing one from an `Accept` header.

use http::HeaderMap;
use http::header::ACCEPT;

/// The two response media types the GraphQL-over-HTTP specification defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseMedia {
    /// `application/graphql-response+json`: status codes tell request errors apart.
    GraphqlResponse,
    /// `application/json`: the legacy type; well-formed requests always get 200.
    Json,
}

impl ResponseMedia {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response type the client prefers, or `None` when it accepts neither.
///
/// No `Accept` header, or a bare wildcard, means `application/json`, as the specification
/// advises for compatibility with older clients. Between equal preferences the newer type
/// wins.
pub fn negotiate(headers: &HeaderMap) -> Option<ResponseMedia> {
    let mut ranges = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|range| !range.is_empty())
        .peekable();
    if ranges.peek().is_none() {
        return Some(ResponseMedia::Json);
    }

    let mut best: Option<(ResponseMedia, f32)> = None;
    for range in ranges {
        let mut parts = range.split(';').map(str::trim);
        let essence = parts.next().unwrap_or_default().to_ascii_lowercase();
        let quality = parts
            .filter_map(|param| param.strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let media = match essence.as_str() {
            "application/graphql-response+json" => ResponseMedia::GraphqlResponse,
            "application/json" | "application/*" | "*/*" => ResponseMedia::Json,
            _ => continue,
        };
        let better = match best {
            None => true,
            Some((chosen, q)) => {
                quality > q
                    || (quality == q && media == ResponseMedia::GraphqlResponse && chosen != media)
            }
        };
        if quality > 0.0 && better {
            best = Some((media, quality));
        }
    }

    best.map(|(media, _)| media)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, value.parse().unwrap());
        headers
    }

    #[test]
    fn prefers_what_the_client_prefers() {
        use ResponseMedia::*;
        assert_eq!(negotiate(&HeaderMap::new()), Some(Json));
        assert_eq!(negotiate(&accept("*/*")), Some(Json));
        assert_eq!(negotiate(&accept("application/json")), Some(Json));
        assert_eq!(
            negotiate(&accept("application/graphql-response+json")),
            Some(GraphqlResponse)
        );
        let both = "application/json, application/graphql-response+json";
        assert_eq!(negotiate(&accept(both)), Some(GraphqlResponse));
        let weighted = "application/graphql-response+json;q=0.5, application/json";
        assert_eq!(negotiate(&accept(weighted)), Some(Json));
        assert_eq!(negotiate(&accept("text/html")), None);
        assert_eq!(negotiate(&accept("application/json;q=0")), None);
    }
}
