//! `GET /`: the GraphiQL playground, pointed at `/graphql`, with its assets served from the
//! binary so that it works offline and loads nothing from third parties.

use axum::Router;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use tower_http::compression::CompressionLayer;

use super::AppState;

/// The page, with the scripts it needs: name, media type, content.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/playground/graphiql.min.css"),
    ),
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/playground/graphiql.min.js"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/playground/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/playground/react-dom.production.min.js"),
    ),
    (
        "start.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/playground/start.js"),
    ),
];

/// `/` and `/playground/{asset}`, gzipped for clients that accept it: GraphiQL is 3.5 MB.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(page))
        .route("/playground/{asset}", get(asset))
        .layer(CompressionLayer::new())
}

async fn page() -> Html<&'static str> {
    Html(include_str!("../../assets/playground/index.html"))
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(asset, _, _)| *asset == name) {
        Some((_, media_type, content)) => {
            let headers = [
                (CONTENT_TYPE, *media_type),
                (CACHE_CONTROL, "public, max-age=86400"),
            ];
            (headers, *content).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
