//! A request id on every request and response (`x-request-id`), so one request's log lines
//! and a user's error report can be matched.
//!
//! A proxy or client may send its own id; it is kept when it looks like an id (short,
//! plain characters), so ids correlate across hops. Anything else is replaced: a header
//! that ends up in logs must not carry arbitrary text from outside.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The header carrying the id, both ways.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest client-sent id that is kept.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// The request's id, also stored in the request's extensions for handlers that want it.
#[derive(Clone, Debug)]
pub struct RequestId(pub HeaderValue);

/// Middleware: settles the id before the rest of the stack (so the trace span sees it) and
/// echoes it on the response.
pub async fn set_request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&REQUEST_ID_HEADER)
        .filter(|value| is_sane(value))
        .cloned()
        .unwrap_or_else(generate);
    request.headers_mut().insert(REQUEST_ID_HEADER, id.clone());
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID_HEADER, id);
    response
}

/// Whether a client's id is kept: 1 to [`MAX_REQUEST_ID_LEN`] ASCII letters, digits and
/// `-_.:` (enough for UUIDs, ULIDs and the ids common proxies generate).
pub fn is_sane(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=MAX_REQUEST_ID_LEN).contains(&bytes.len())
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-_.:".contains(byte))
}

/// A fresh id: a UUID v7, time-ordered, so ids sort by arrival in logs.
fn generate() -> HeaderValue {
    let id = uuid::Uuid::now_v7().hyphenated().to_string();
    // A hyphenated UUID is always a valid header value; the fallback is never taken.
    HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("unknown"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ids_are_kept_and_others_are_not() {
        for kept in ["abc", "0190b7e4-7d5c-7cc0-9d4b-1f0e4c1d2a3b", "req_1.2:3"] {
            assert!(is_sane(&HeaderValue::from_static(kept)), "{kept}");
        }
        let too_long = "a".repeat(MAX_REQUEST_ID_LEN + 1);
        for refused in ["", "has space", "semi;colon", "<script>", too_long.as_str()] {
            assert!(
                !is_sane(&HeaderValue::from_str(refused).unwrap()),
                "{refused}"
            );
        }
        let longest = "a".repeat(MAX_REQUEST_ID_LEN);
        assert!(is_sane(&HeaderValue::from_str(&longest).unwrap()));
    }

    #[test]
    fn generated_ids_are_sane_and_distinct() {
        let first = generate();
        let second = generate();
        assert!(is_sane(&first) && is_sane(&second));
        assert_ne!(first, second);
    }
}
