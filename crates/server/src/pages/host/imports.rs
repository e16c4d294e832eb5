//! Imports with a preview: the host uploads a people file and/or a ties file; the preview
//! shows each file's first rows and what the import would do (the store's real checks,
//! nothing written), or every bad row by line; confirming imports the very bytes previewed,
//! kept server-side meanwhile ([`super::PendingUploads`]).

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use store::{ImportFile, ImportPreview, ImportSummary, PeopleDiff};

use super::Upload;
use crate::access::{InMovement, Need};
use crate::auth::CsrfForm;
use crate::html::{csrf_field, notice, page};
use crate::{ApiError, AppState, UPLOAD_MAX_BODY_BYTES};

/// Rows of each file the preview shows.
pub const PREVIEW_ROWS: usize = 10;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/m/{movement}/host/import",
            get(form)
                .post(upload)
                .layer(DefaultBodyLimit::max(UPLOAD_MAX_BODY_BYTES)),
        )
        .route("/m/{movement}/host/import/confirm", post(confirm))
}

/// What the import wrote.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Imported {
    pub people: Option<PeopleDiff>,
    pub ties: Option<ImportSummary>,
}

/// What importing `upload` would do, nothing written (hosts only).
pub(crate) async fn preview(
    state: &AppState,
    here: &InMovement,
    upload: &Upload,
) -> Result<ImportPreview, ApiError> {
    here.require(Need::Host)?;
    let org = here.viewer.org(state);
    Ok(org
        .preview_import(file(&upload.people), file(&upload.ties))
        .await?)
}

/// Imports `upload`: the people file first (ties may name its new people), then the ties
/// (hosts only). Each file is all or nothing; a refused file is a 422 listing its rows.
pub(crate) async fn import(
    state: &AppState,
    here: &InMovement,
    upload: &Upload,
) -> Result<Imported, ApiError> {
    here.require(Need::Host)?;
    let org = here.viewer.org(state);
    let mut imported = Imported::default();
    if let Some((name, bytes)) = &upload.people {
        imported.people = Some(org.import_people(name, &bytes[..]).await?);
    }
    if let Some((name, bytes)) = &upload.ties {
        imported.ties = Some(org.import_ties(name, &bytes[..]).await?);
    }
    Ok(imported)
}

fn file(part: &Option<(String, Vec<u8>)>) -> Option<ImportFile<'_>> {
    part.as_ref()
        .map(|(source_name, bytes)| ImportFile { source_name, bytes })
}

/// Reads a multipart upload: the `people` and `ties` files (an empty file input is no file)
/// and the `csrf` field, if any.
pub(crate) async fn read_upload(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(Option<String>, Upload), ApiError> {
    let mut multipart = multipart.map_err(|rejection| {
        ApiError::UnsupportedMediaType(format!(
            "Send the files as multipart/form-data: {}",
            rejection.body_text()
        ))
    })?;
    let mut csrf = None;
    let mut upload = Upload::default();
    let unreadable = |error: axum::extract::multipart::MultipartError| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest(format!("The upload cannot be read: {}", error.body_text()))
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        match name.as_str() {
            "csrf" => csrf = Some(field.text().await.map_err(unreadable)?),
            "people" | "ties" => {
                let bytes = field.bytes().await.map_err(unreadable)?;
                if bytes.is_empty() {
                    continue;
                }
                let file_name = file_name
                    .filter(|f| !f.trim().is_empty())
                    .unwrap_or_else(|| format!("{name}.csv"));
                let slot = if name == "people" {
                    &mut upload.people
                } else {
                    &mut upload.ties
                };
                *slot = Some((file_name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    Ok((csrf, upload))
}

async fn form(here: InMovement) -> Result<Markup, ApiError> {
    here.require(Need::Host)?;
    Ok(form_page(&here, None))
}

fn form_page(here: &InMovement, problem: Option<&str>) -> Markup {
    page(
        "Import people and ties",
        Some(&here.viewer),
        html! {
            h1 { "Import people and ties" }
            @if let Some(problem) = problem { p class="notice error" role="alert" { (problem) } }
            p { "Nothing is written until you have seen the preview and confirmed it. Each file \
                 is imported whole or not at all." }
            form method="post" action={"/m/" (here.id) "/host/import"} enctype="multipart/form-data" {
                (csrf_field(&here.viewer.csrf))
                div class="field" {
                    label for="field-people" { "People file (people.csv)" }
                    input id="field-people" name="people" type="file" accept=".csv,text/csv"
                        aria-describedby="people-hint";
                    p class="hint" id="people-hint" {
                        "Columns id and name, then any of email, phone, unit, location, grade, \
                         manager_id; other columns are kept as attributes. The file is the \
                         directory's new state: people missing from it are marked as having left."
                    }
                }
                div class="field" {
                    label for="field-ties" { "Ties file (ties.csv)" }
                    input id="field-ties" name="ties" type="file" accept=".csv,text/csv"
                        aria-describedby="ties-hint";
                    p class="hint" id="ties-hint" {
                        "Columns source and target (people's ids), then optionally layer \
                         (advice, collaboration, friendship, communication, reports_to) and weight."
                    }
                }
                p class="hint" { "Up to 20 MiB in all (about 200,000 people); larger networks \
                    go through the groundswell command line." }
                button type="submit" { "Preview" }
            }
            p { a href={"/m/" (here.id) "/host"} { "Back" } }
        },
    )
}

async fn upload(
    State(state): State<AppState>,
    here: InMovement,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    here.require(Need::Host)?;
    let (csrf, upload) = read_upload(multipart).await?;
    if csrf.as_deref() != Some(here.viewer.csrf.as_str()) {
        return Err(ApiError::Forbidden(
            "The form is out of date or was not sent from this site; reload the page and try \
             again."
                .into(),
        ));
    }
    if upload.is_empty() {
        let markup = form_page(&here, Some("Choose a people file, a ties file, or both."));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, markup).into_response());
    }
    let preview = preview(&state, &here, &upload).await?;
    let refused = matches!(preview.people, Some(Err(_))) || matches!(preview.ties, Some(Err(_)));
    let token = (!refused).then(|| state.uploads().keep(&here, upload.clone()));
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        preview_page(&here, &upload, &preview, token.as_deref()),
    )
        .into_response())
}

fn preview_page(
    here: &InMovement,
    upload: &Upload,
    preview: &ImportPreview,
    token: Option<&str>,
) -> Markup {
    page(
        "Import preview",
        Some(&here.viewer),
        html! {
            h1 { "Import preview" }
            p { "Nothing has been written yet." }
            @if let (Some((name, bytes)), Some(outcome)) = (&upload.people, &preview.people) {
                section {
                    h2 { "People: " (name) }
                    (first_rows(name, bytes))
                    @match outcome {
                        Ok(diff) => { p class="notice" role="status" { "The import would " (people_diff(diff)) "." } }
                        Err(error) => { (rejection(error)) }
                    }
                }
            }
            @if let (Some((name, bytes)), Some(outcome)) = (&upload.ties, &preview.ties) {
                section {
                    h2 { "Ties: " (name) }
                    (first_rows(name, bytes))
                    @match outcome {
                        Ok(summary) => { p class="notice" role="status" { "The import would " (ties_summary(summary)) "." } }
                        Err(error) => { (rejection(error)) }
                    }
                }
            }
            @if let Some(token) = token {
                form method="post" action={"/m/" (here.id) "/host/import/confirm"} {
                    (csrf_field(&here.viewer.csrf))
                    input type="hidden" name="token" value=(token);
                    div class="actions" {
                        button type="submit" { "Import" }
                        a class="button secondary" href={"/m/" (here.id) "/host/import"} { "Choose other files" }
                    }
                }
                p class="hint" { "The preview is kept for " (super::UPLOAD_MINUTES) " minutes." }
            } @else {
                p { "Correct the file and " a href={"/m/" (here.id) "/host/import"} { "upload it again" } "." }
            }
        },
    )
}

/// What a people import does, in words.
pub(crate) fn people_diff(diff: &PeopleDiff) -> String {
    format!(
        "add {} people, change {}, mark {} as having left, and leave {} unchanged",
        diff.added, diff.changed, diff.left, diff.unchanged
    )
}

/// What a ties import does, in words.
pub(crate) fn ties_summary(summary: &ImportSummary) -> String {
    format!(
        "add or update {} ties from {} rows",
        summary.written, summary.rows
    )
}

/// A refused file's bad rows, "line N: reason", the first [`store::MAX_LISTED`] then a count.
fn rejection(error: &store::Error) -> Markup {
    match error {
        store::Error::Rejected { errors, more, .. } => html! {
            div class="notice error" role="alert" {
                p { "This file cannot be imported: " (errors.len() + more) " bad rows. Nothing would be written." }
                ul { @for row in errors { li { (row) } } }
                @if *more > 0 { p { "… and " (more) " more bad rows." } }
            }
        },
        other => html! { p class="notice error" role="alert" { (other) } },
    }
}

/// The file's header and first [`PREVIEW_ROWS`] rows, as read (any row shape).
fn first_rows(name: &str, bytes: &[u8]) -> Markup {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let rows: Vec<Vec<String>> = reader
        .byte_records()
        .take(PREVIEW_ROWS + 1)
        .filter_map(Result::ok)
        .map(|record| {
            record
                .iter()
                .map(|cell| String::from_utf8_lossy(cell).into_owned())
                .collect()
        })
        .collect();
    let Some((header, rows)) = rows.split_first() else {
        return html! { p { "The file is empty." } };
    };
    html! {
        div class="table-scroll" {
            table {
                caption { "The first rows of " (name) }
                thead { tr { @for cell in header { th scope="col" { (cell) } } } }
                tbody { @for row in rows { tr { @for cell in row { td { (cell) } } } } }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    token: String,
}

async fn confirm(
    State(state): State<AppState>,
    here: InMovement,
    CsrfForm { form, .. }: CsrfForm<ConfirmForm>,
) -> Result<Markup, ApiError> {
    here.require(Need::Host)?;
    let upload = state.uploads().take(&here, &form.token).ok_or_else(|| {
        ApiError::Conflict(
            "This preview expired or was imported already; upload the files again.".into(),
        )
    })?;
    let imported = import(&state, &here, &upload).await?;
    let mut done = Vec::new();
    if let Some(diff) = &imported.people {
        done.push(format!("People: {}.", past_people(diff)));
    }
    if let Some(summary) = &imported.ties {
        done.push(format!(
            "Ties: {} added or updated from {} rows.",
            summary.written, summary.rows
        ));
    }
    Ok(page(
        "Imported",
        Some(&here.viewer),
        html! {
            h1 { "Imported" }
            @for line in &done { (notice(line)) }
            p { a href={"/m/" (here.id) "/host"} { "Back to hosting" } }
        },
    ))
}

fn past_people(diff: &PeopleDiff) -> String {
    format!(
        "{} added, {} changed, {} marked as having left, {} unchanged",
        diff.added, diff.changed, diff.left, diff.unchanged
    )
}
