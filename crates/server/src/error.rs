//! Errors as HTTP responses: every failure the API reports is an RFC 9457 problem document
//! (`application/problem+json`), so clients handle one shape whatever went wrong.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of problem documents (RFC 9457, section 3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// What a request can fail with. `Display` is the problem's `detail`: it is shown to the
/// client, so it never carries internal error text (that goes to the log).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ApiError {
    /// No route answers this path.
    #[error("There is nothing at this address.")]
    NotFound,
    /// The path exists but not with this method; the `Allow` header lists those it takes.
    #[error("This address does not accept this method.")]
    MethodNotAllowed,
    /// The request is malformed: a body that is not JSON, say.
    #[error("{0}")]
    BadRequest(String),
    /// The body is larger than the server accepts (see [`crate::MAX_BODY_BYTES`]).
    #[error("The request body is too large.")]
    PayloadTooLarge,
    /// The body is not of a media type the route reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The request is well formed but its content is not acceptable (wrong fields, types).
    #[error("{0}")]
    Unprocessable(String),
    /// A dependency (the database) does not answer; retrying later may work.
    #[error("The service is temporarily unavailable.")]
    Unavailable,
    /// Nobody is signed in (or their session ended).
    #[error("Sign in to see this.")]
    Unauthorized,
    /// Signed in, but their role here does not allow it. Never said of another
    /// organization's things: those are [`ApiError::NotFound`].
    #[error("{0}")]
    Forbidden(String),
    /// The request collides with what is there: a second membership, a duplicate name.
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts (sign-ins, login links) in a short time.
    #[error("Too many attempts; wait a minute and try again.")]
    TooManyRequests,
}

impl ApiError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// The problem document: `type` is `about:blank` (no problem types of our own yet), so
    /// by RFC 9457 §4.2.1 the `title` is the status's reason phrase.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.to_string(),
        }
    }
}

/// An RFC 9457 problem document, as serialised in error responses.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), Json(self.problem())).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

/// The store's failures as the client may see them: what is not this organization's is not
/// found, whatever the reason; invalid content is 422; a database failure is logged and
/// answered 503 without its text.
impl From<store::Error> for ApiError {
    fn from(error: store::Error) -> ApiError {
        match error {
            store::Error::NotFound { .. } | store::Error::Dangling => ApiError::NotFound,
            store::Error::Duplicate { .. } => ApiError::Conflict(error.to_string()),
            store::Error::Invalid(_) | store::Error::Rejected { .. } => {
                ApiError::Unprocessable(error.to_string())
            }
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::Unavailable
            }
        }
    }
}

/// A value the domain refuses (a role, channel or reaction that is not one): 422, saying
/// which and why.
impl From<movement::Error> for ApiError {
    fn from(error: movement::Error) -> ApiError {
        ApiError::Unprocessable(error.to_string())
    }
}

/// A JSON body axum could not read becomes the matching problem, so JSON routes can take
/// `Result<Json<T>, JsonRejection>` and answer with `?`.
impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let detail = rejection.body_text();
        match rejection.status() {
            StatusCode::UNPROCESSABLE_ENTITY => ApiError::Unprocessable(detail),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(detail),
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            _ => ApiError::BadRequest(detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::extract::FromRequest;
    use axum::http::Request;

    async fn problem_of(error: ApiError) -> (StatusCode, String, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, content_type, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn every_error_is_a_problem_document_with_its_status() {
        let errors = [
            ApiError::NotFound,
            ApiError::MethodNotAllowed,
            ApiError::BadRequest("no JSON".into()),
            ApiError::PayloadTooLarge,
            ApiError::UnsupportedMediaType("not JSON".into()),
            ApiError::Unprocessable("missing field".into()),
            ApiError::Unavailable,
            ApiError::Unauthorized,
            ApiError::Forbidden("hosts only".into()),
            ApiError::Conflict("already a member".into()),
            ApiError::TooManyRequests,
        ];
        for error in errors {
            let expected_status = error.status();
            let expected_detail = error.to_string();
            let (status, content_type, problem) = problem_of(error).await;
            assert_eq!(status, expected_status);
            assert!(status.is_client_error() || status.is_server_error());
            assert_eq!(content_type, PROBLEM_JSON);
            assert_eq!(problem["type"], "about:blank");
            assert_eq!(problem["status"], status.as_u16());
            assert_eq!(problem["title"], status.canonical_reason().unwrap());
            assert_eq!(problem["detail"], expected_detail);
            assert_eq!(problem.as_object().unwrap().len(), 4, "{problem}");
        }
    }

    #[test]
    fn statuses_are_the_ones_clients_expect() {
        assert_eq!(ApiError::NotFound.status(), 404);
        assert_eq!(ApiError::MethodNotAllowed.status(), 405);
        assert_eq!(ApiError::BadRequest(String::new()).status(), 400);
        assert_eq!(ApiError::PayloadTooLarge.status(), 413);
        assert_eq!(ApiError::UnsupportedMediaType(String::new()).status(), 415);
        assert_eq!(ApiError::Unprocessable(String::new()).status(), 422);
        assert_eq!(ApiError::Unavailable.status(), 503);
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Greeting {
        name: String,
    }

    /// Runs axum's real JSON extractor on a body and converts its rejection.
    async fn reject(content_type: Option<&str>, body: &str) -> ApiError {
        let mut request = Request::builder().method("POST").uri("/");
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let request = request.body(Body::from(body.to_string())).unwrap();
        let rejection = axum::Json::<Greeting>::from_request(request, &())
            .await
            .expect_err("the body is refused");
        ApiError::from(rejection)
    }

    #[tokio::test]
    async fn malformed_json_is_400_and_wrong_fields_are_422() {
        let syntax = reject(Some("application/json"), "{\"name\": ").await;
        assert_eq!(syntax.status(), StatusCode::BAD_REQUEST, "{syntax:?}");
        let wrong_type = reject(Some("application/json"), "{\"name\": 7}").await;
        assert_eq!(wrong_type.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong_type.to_string().contains("name"), "{wrong_type}");
        let missing = reject(Some("application/json"), "{}").await;
        assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let not_json = reject(Some("text/plain"), "{\"name\": \"Ada\"}").await;
        assert_eq!(not_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let no_type = reject(None, "{\"name\": \"Ada\"}").await;
        assert_eq!(no_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}
