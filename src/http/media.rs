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
/// Each type takes the quality of the most specific range that matches it (RFC 9110,
/// section 12.5.1), so `application/json;q=0, */*` refuses JSON but takes the newer type.
/// No `Accept` header, or only wildcards, means `application/json`, as the GraphQL-over-HTTP
/// specification advises for older clients; the newer type wins a tie only when the client
/// names it.
pub fn negotiate(headers: &HeaderMap) -> Option<ResponseMedia> {
    let ranges: Vec<(String, f32)> = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(parse_range)
        .collect();
    if ranges.is_empty() {
        return Some(ResponseMedia::Json);
    }

    let graphql = quality(&ranges, "application/graphql-response+json");
    let json = quality(&ranges, "application/json");
    let named = ranges
        .iter()
        .any(|(range, _)| range == "application/graphql-response+json");
    match (graphql, json) {
        (graphql, json) if graphql > json || (graphql == json && named && graphql > 0.0) => {
            Some(ResponseMedia::GraphqlResponse)
        }
        (_, json) if json > 0.0 => Some(ResponseMedia::Json),
        _ => None,
    }
}

/// One media range, lower-cased, with its quality clamped to 0..=1; `None` if malformed.
fn parse_range(text: &str) -> Option<(String, f32)> {
    let mut parts = text.split(';').map(str::trim);
    let range = parts
        .next()
        .filter(|range| range.contains('/'))?
        .to_ascii_lowercase();
    let mut quality = 1.0;
    for parameter in parts {
        if let Some(value) = parameter
            .strip_prefix("q=")
            .or(parameter.strip_prefix("Q="))
        {
            quality = value
                .parse::<f32>()
                .ok()
                .filter(|q| q.is_finite())?
                .clamp(0.0, 1.0);
        }
    }
    Some((range, quality))
}

/// The quality the client gives `media`: from the exact range if listed, else `type/*`,
/// else `*/*`, else zero.
fn quality(ranges: &[(String, f32)], media: &str) -> f32 {
    let family = media.split('/').next().map(|family| format!("{family}/*"));
    [Some(media.to_owned()), family, Some("*/*".to_owned())]
        .into_iter()
        .flatten()
        .find_map(|wanted| {
            ranges
                .iter()
                .find(|(range, _)| *range == wanted)
                .map(|(_, q)| *q)
        })
        .unwrap_or(0.0)
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
        let not_json = "application/json;q=0, */*";
        assert_eq!(negotiate(&accept(not_json)), Some(GraphqlResponse));
        let named = "application/graphql-response+json, */*";
        assert_eq!(negotiate(&accept(named)), Some(GraphqlResponse));
        assert_eq!(negotiate(&accept("application/*")), Some(Json));
        assert_eq!(
            negotiate(&accept("application/json;q=2, text/html")),
            Some(Json)
        );
        let unweighable = "application/graphql-response+json;q=inf, application/json";
        assert_eq!(negotiate(&accept(unweighable)), Some(Json));
    }
}
