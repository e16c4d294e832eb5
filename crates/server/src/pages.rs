//! Server-rendered pages. One for now, static; templates come with the pages that show data.

use axum::response::Html;

/// The home page: what this is and where the health check is. No inline styles or scripts
/// (the Content-Security-Policy forbids them).
const HOME: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Groundswell</title>
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>
<link rel="stylesheet" href="/assets/app.css">
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<script src="/assets/htmx.min.js" defer></script>
</head>
<body>
<main>
<h1>Groundswell</h1>
<p>The Groundswell platform, where people carry change in their organization person to
person, is being built. The command line (<code>groundswell --help</code>) already analyses
networks, simulates, forecasts and recommends activists.</p>
<p>The server's status: <a href="/healthz">/healthz</a>.</p>
</main>
</body>
</html>
"#;

/// `GET /`.
pub async fn home() -> Html<&'static str> {
    Html(HOME)
}
