//! Who is asking, and proof that they meant to: sessions, passwords, login links, CSRF.
//!
//! Every secret the server hands out (a session cookie, a login link, an ask's join link)
//! reads `ORG.SECRET`: the organization's id routes the lookup to that organization's scoped
//! store handle, the random part is the capability. The store keeps only the SHA-256 of the
//! random part, so a copy of the database opens no session.
//!
//! Signed-in forms carry the session's CSRF token in a hidden `csrf` field (or, from scripts
//! and the API, an `x-csrf-token` header); the sign-in forms, before any session exists,
//! carry a token that must match the `gs_csrf` cookie (double submit). Cookies are
//! `HttpOnly`, `SameSite=Lax`, and `Secure` when the server is configured behind TLS.

use std::time::Duration as StdDuration;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use movement::OrgId;
use rand::Rng;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use store::{Account, Org, Person};

use crate::{ApiError, AppState};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "gs_session";
/// The cookie the sign-in forms' CSRF token is checked against.
pub const LOGIN_CSRF_COOKIE: &str = "gs_csrf";
/// The header scripts and API clients send the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lasts without signing in again.
pub const SESSION_DAYS: i64 = 30;
/// How long an emailed login link works.
pub const LOGIN_LINK_MINUTES: i64 = 15;

/// A fresh random secret: 32 bytes, URL-safe base64.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a secret.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A token for an organization: `ORG.SECRET`.
pub fn org_token(org: OrgId, secret: &str) -> String {
    format!("{}.{secret}", org.0)
}

/// The organization and secret of an `ORG.SECRET` token, if it has that shape.
pub fn split_token(token: &str) -> Option<(OrgId, &str)> {
    let (org, secret) = token.split_once('.')?;
    let org: i64 = org.parse().ok()?;
    (org > 0 && secret.len() >= 16).then_some((OrgId(org), secret))
}

/// An argon2id hash (PHC string) of a password, with a fresh salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2id with default parameters hashes any password")
        .to_string()
}

/// Whether `password` matches the PHC string `hash`. A malformed hash matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// The shortest password accepted: long enough to resist guessing at the rate limit.
pub const MIN_PASSWORD: usize = 10;

/// A signed-in person, loaded from their session cookie on every request that needs one.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub org: OrgId,
    pub account: Account,
    /// Their entry in the directory.
    pub person: Person,
    /// The token their forms must carry.
    pub csrf: String,
    session_hash: String,
}

impl Viewer {
    /// A viewer known otherwise than by a cookie (just signed in over the API).
    pub(crate) fn new(
        org: OrgId,
        account: Account,
        person: Person,
        csrf: String,
        session_hash: &str,
    ) -> Viewer {
        Viewer {
            org,
            account,
            person,
            csrf,
            session_hash: session_hash.to_string(),
        }
    }

    /// Their organization's scoped store handle, writing as their account.
    pub fn org<'s>(&self, state: &'s AppState) -> Org<'s> {
        state.store().org(self.org).acting_as(self.account.id)
    }

    /// The hash their session is known by.
    pub fn session_hash(&self) -> &str {
        &self.session_hash
    }

    async fn from_cookies(jar: &CookieJar, state: &AppState) -> Result<Option<Viewer>, ApiError> {
        let Some((org, secret)) = jar
            .get(SESSION_COOKIE)
            .and_then(|cookie| split_token(cookie.value()))
        else {
            return Ok(None);
        };
        let scoped = state.store().org(org);
        let session_hash = hash_secret(secret);
        let Some(session) = scoped.session(&session_hash).await? else {
            return Ok(None);
        };
        let Some(account) = scoped.account(session.account).await? else {
            return Ok(None);
        };
        let person = scoped.person(account.person).await?;
        Ok(Some(Viewer {
            org,
            account,
            person,
            csrf: session.csrf_token,
            session_hash,
        }))
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let jar = CookieJar::from_headers(&parts.headers);
        Viewer::from_cookies(&jar, state)
            .await?
            .ok_or(ApiError::Unauthorized)
    }
}

impl OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        let jar = CookieJar::from_headers(&parts.headers);
        Viewer::from_cookies(&jar, state).await
    }
}

/// A signed-in form post: the viewer and the form, once its CSRF token (field `csrf`, or the
/// `x-csrf-token` header) matched the session's. Reading the form fails as a 422 problem.
pub struct CsrfForm<T> {
    pub viewer: Viewer,
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let (mut parts, body) = request.into_parts();
        let viewer =
            <Viewer as FromRequestParts<AppState>>::from_request_parts(&mut parts, state).await?;
        let header_token = header_csrf(&parts.headers);
        let bytes = axum::body::to_bytes(body, crate::MAX_BODY_BYTES)
            .await
            .map_err(|_| ApiError::PayloadTooLarge)?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("The form cannot be read: {e}.")))?;
        let field_token = fields
            .iter()
            .find(|(name, _)| name == "csrf")
            .map(|(_, value)| value.clone());
        let sent = field_token.or(header_token);
        if sent.as_deref() != Some(viewer.csrf.as_str()) {
            return Err(ApiError::Forbidden(
                "The form is out of date or was not sent from this site; reload the page and \
                 try again."
                    .into(),
            ));
        }
        let form = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| ApiError::Unprocessable(format!("The form cannot be read: {e}.")))?;
        Ok(CsrfForm { viewer, form })
    }
}

fn header_csrf(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

/// Refuses a state-changing request whose CSRF header does not match the viewer's session:
/// the JSON API's check (its bodies are JSON, so the token travels in the header).
pub fn check_csrf_header(
    method: &Method,
    headers: &HeaderMap,
    viewer: &Viewer,
) -> Result<(), ApiError> {
    if method.is_safe() {
        return Ok(());
    }
    match header_csrf(headers) {
        Some(token) if token == viewer.csrf => Ok(()),
        _ => Err(ApiError::Forbidden(format!(
            "A request that changes something must carry the session's CSRF token in the \
             {CSRF_HEADER} header."
        ))),
    }
}

/// A cookie as the platform sets them.
pub fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age_days: i64,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config().secure_cookies)
        .max_age(time_days(max_age_days))
        .build()
}

/// A cookie that removes `name`.
pub fn removal(state: &AppState, name: &'static str) -> Cookie<'static> {
    cookie(state, name, String::new(), 0)
}

fn time_days(days: i64) -> cookie::time::Duration {
    cookie::time::Duration::days(days)
}

/// Opens a session for `account` and returns the cookie that carries it, and its CSRF token.
pub async fn start_session(
    state: &AppState,
    org: &Org<'_>,
    account: &Account,
) -> Result<Cookie<'static>, ApiError> {
    let secret = new_secret();
    org.create_session(
        account.id,
        &hash_secret(&secret),
        &new_secret(),
        chrono::Duration::days(SESSION_DAYS),
    )
    .await?;
    Ok(cookie(
        state,
        SESSION_COOKIE,
        org_token(org.id(), &secret),
        SESSION_DAYS,
    ))
}

/// Makes a login link for `account`, valid for [`LOGIN_LINK_MINUTES`]: the URL to email.
pub async fn login_link(
    state: &AppState,
    org: &Org<'_>,
    account: &Account,
) -> Result<String, ApiError> {
    let secret = new_secret();
    org.create_login_link(
        account.id,
        &hash_secret(&secret),
        chrono::Duration::minutes(LOGIN_LINK_MINUTES),
    )
    .await?;
    Ok(format!(
        "{}/login/link/{}",
        state.config().public_url.trim_end_matches('/'),
        org_token(org.id(), &secret)
    ))
}

/// The accounts signing in with this email, in every organization that has one.
pub async fn accounts_by_email<'s>(
    state: &'s AppState,
    email: &str,
) -> Result<Vec<(Org<'s>, Account)>, ApiError> {
    let mut found = Vec::new();
    for (id, _name) in state.store().organizations().await? {
        let org = state.store().org(id);
        if let Some(account) = org.account_by_email(email).await? {
            found.push((org, account));
        }
    }
    Ok(found)
}

/// A small delay on failed sign-ins, so that a failure costs as long as a success.
pub const FAILED_LOGIN_DELAY: StdDuration = StdDuration::from_millis(200);
