//! `GET /`: the GraphiQL playground, pointed at `/graphql`.

use async_graphql::http::GraphiQLSource;
use axum::response::Html;

/// The playground page.
// Limitation: the page loads GraphiQL's scripts from a public CDN, so it stays blank on a
// machine without internet access; serving the assets ourselves would lift that.
pub async fn page() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("entities-hub")
            .finish(),
    )
}
