//! Static files embedded in the binary and served at `GET /assets/{name}`: the stylesheet
//! (`assets/app.css`), the icon (`assets/favicon.svg`) and htmx (`assets/vendor/htmx.min.js`, copied from the npm package
//! pinned in `package-lock.json` by `scripts/vendor-assets`; never edit it by hand).
//!
//! Pages link them with [`url`], which adds the file's content hash (`?v=…`): such a URL
//! is cached for a year (`immutable`), and a new build that changes the file changes the
//! URL. A URL without the current hash is answered with `no-cache`, so browsers revalidate
//! it (`ETag`, 304) and never keep a stale copy. Every page's `<head>` has:
//!
//! ```html
//! <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>
//! <link rel="stylesheet" href="/assets/app.css?v=…">
//! <link rel="icon" href="/assets/favicon.svg?v=…" type="image/svg+xml">
//! <script src="/assets/htmx.min.js?v=…" defer></script>
//! ```
//!
//! The htmx configuration keeps htmx within the Content-Security-Policy (no inline styles,
//! no `eval`); `app.css` carries the request-indicator styles htmx would otherwise inject.
//! Without the icon link, browsers ask for `/favicon.ico` and log its 404 as an error.

use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::ApiError;

/// The `Cache-Control` of a URL with the file's current hash: a year, never revalidated.
pub const CACHE_VERSIONED: &str = "public, max-age=31536000, immutable";

/// The `Cache-Control` of any other asset URL: kept, but revalidated before each use.
pub const CACHE_UNVERSIONED: &str = "public, no-cache";

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    /// The FNV-1a hash of `bytes`: the `v` of versioned URLs and the `ETag`.
    version: u64,
}

const fn asset(name: &'static str, content_type: &'static str, bytes: &'static [u8]) -> Asset {
    Asset {
        name,
        content_type,
        bytes,
        version: fnv1a_64(bytes),
    }
}

static ASSETS: [Asset; 4] = [
    asset(
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    ),
    asset(
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    asset(
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../assets/favicon.svg"),
    ),
    asset(
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/vendor/htmx.min.js"),
    ),
];

/// FNV-1a, 64 bits: a content fingerprint for cache busting, not a security measure.
const fn fnv1a_64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut idx = 0;
    while idx < bytes.len() {
        hash ^= bytes[idx] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        idx += 1;
    }
    hash
}

fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.name == name)
}

/// The URL pages link asset `name` with (`/assets/app.css?v=…`), cached for a year;
/// `None` if there is no such asset.
pub fn url(name: &str) -> Option<String> {
    find(name).map(|asset| format!("/assets/{}?v={:016x}", asset.name, asset.version))
}

/// `GET /assets/{name}`: the file with its media type, an `ETag` and a `Cache-Control`
/// (see the module's documentation); 304 for a matching `If-None-Match`; a 404 problem
/// for a name that is not an asset.
pub async fn serve(
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    request_headers: HeaderMap,
) -> Result<Response, ApiError> {
    let asset = find(&name).ok_or(ApiError::NotFound)?;
    let version = format!("{:016x}", asset.version);
    let versioned = query
        .as_deref()
        .is_some_and(|query| query.split('&').any(|pair| pair == format!("v={version}")));
    let etag = format!("\"{version}\"");
    let cache_control = if versioned {
        CACHE_VERSIONED
    } else {
        CACHE_UNVERSIONED
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex digits and quotes are a valid header value"),
    );
    let not_modified = request_headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*");
    if not_modified {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    Ok((headers, asset.bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_versioned_url_and_unknown_names_none() {
        for asset in &ASSETS {
            let url = url(asset.name).unwrap();
            assert!(
                url.starts_with(&format!("/assets/{}?v=", asset.name)),
                "{url}"
            );
            assert_eq!(url.len(), format!("/assets/{}?v=", asset.name).len() + 16);
        }
        assert_eq!(url("nope.js"), None);
        assert_eq!(url("../Cargo.toml"), None);
    }

    #[test]
    fn the_version_follows_the_content() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        // The published FNV-1a 64 test vector for "a".
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(fnv1a_64(b"body{}"), fnv1a_64(b"body{ }"));
    }

    fn get(name: &str, query: Option<&str>, if_none_match: Option<&str>) -> Response {
        let mut headers = HeaderMap::new();
        if let Some(tag) = if_none_match {
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(tag).unwrap());
        }
        let answer = serve(
            Path(name.to_owned()),
            RawQuery(query.map(str::to_owned)),
            headers,
        );
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(answer)
            .unwrap_or_else(|error| error.into_response())
    }

    fn header_of(response: &Response, name: header::HeaderName) -> &str {
        response
            .headers()
            .get(&name)
            .unwrap_or_else(|| panic!("no {name}: {:?}", response.headers()))
            .to_str()
            .unwrap()
    }

    #[test]
    fn assets_are_served_with_their_media_type_and_cache_headers() {
        for (name, content_type) in [
            ("app.css", "text/css; charset=utf-8"),
            ("favicon.svg", "image/svg+xml"),
            ("htmx.min.js", "text/javascript; charset=utf-8"),
        ] {
            let asset = find(name).unwrap();
            let response = get(name, None, None);
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(header_of(&response, header::CONTENT_TYPE), content_type);
            assert_eq!(
                header_of(&response, header::CACHE_CONTROL),
                CACHE_UNVERSIONED
            );
            let etag = format!("\"{:016x}\"", asset.version);
            assert_eq!(header_of(&response, header::ETAG), etag);

            let query = url(name).unwrap().split_once('?').unwrap().1.to_owned();
            let response = get(name, Some(&query), None);
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(header_of(&response, header::CACHE_CONTROL), CACHE_VERSIONED);
            // An old version's URL is not cached for long.
            let response = get(name, Some("v=0123456789abcdef"), None);
            assert_eq!(
                header_of(&response, header::CACHE_CONTROL),
                CACHE_UNVERSIONED
            );

            for tag in [etag.clone(), format!("W/{etag}"), format!("\"x\", {etag}")] {
                let response = get(name, None, Some(&tag));
                assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{tag}");
                assert_eq!(header_of(&response, header::ETAG), etag);
            }
            let response = get(name, None, Some("\"0123456789abcdef\""));
            assert_eq!(response.status(), StatusCode::OK);
        }
    }

    #[test]
    fn unknown_names_are_404_problems() {
        for name in [
            "nope.js",
            "APP.CSS",
            "vendor/htmx.min.js",
            "..",
            "app.css.map",
        ] {
            let response = get(name, None, None);
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{name}");
            assert_eq!(
                header_of(&response, header::CONTENT_TYPE),
                crate::PROBLEM_JSON
            );
        }
    }

    #[test]
    fn the_vendored_htmx_is_a_minified_htmx_2() {
        let htmx = std::str::from_utf8(find("htmx.min.js").unwrap().bytes).unwrap();
        assert!(htmx.starts_with("var htmx=function(){"), "{}", &htmx[..40]);
        assert!(htmx.contains("version:\"2."), "not htmx 2.x");
    }
}
