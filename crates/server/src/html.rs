//! The pages' shared shape: the layout every page is rendered in, and form fields that carry
//! their label, their error and the attributes assistive technology reads.
//!
//! No inline scripts or styles anywhere (the Content-Security-Policy forbids them): the
//! stylesheet and the scripts (htmx, `app.js`) come from `/assets`.

use maud::{DOCTYPE, Markup, html};

use crate::auth::Viewer;

/// A whole page: `title` names it in the tab and as its heading's context.
pub fn page(title: &str, viewer: Option<&Viewer>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Groundswell" }
                // htmx may not add inline styles (the policy would refuse them) or eval.
                meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"allowEval":false}"#;
                link rel="stylesheet" href=(asset("app.css"));
                link rel="icon" href=(asset("favicon.svg")) type="image/svg+xml";
                script src=(asset("htmx.min.js")) defer {}
                script src=(asset("app.js")) defer {}
            }
            body {
                a class="skip-link" href="#main" { "Skip to content" }
                header class="site-header" {
                    a class="brand" href="/" { "Groundswell" }
                    nav aria-label="Main" {
                        ul {
                            @if let Some(viewer) = viewer {
                                li { a href="/me" { "Me" } }
                                li {
                                    form method="post" action="/logout" class="inline" {
                                        (csrf_field(&viewer.csrf))
                                        button type="submit" class="link" { "Sign out" }
                                    }
                                }
                            } @else {
                                li { a href="/login" { "Sign in" } }
                            }
                        }
                    }
                }
                main id="main" { (content) }
            }
        }
    }
}

/// The versioned URL of an embedded asset.
fn asset(name: &str) -> String {
    crate::assets::url(name).unwrap_or_else(|| format!("/assets/{name}"))
}

/// The hidden field every signed-in form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// Errors of a submitted form, by field name.
#[derive(Clone, Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    /// Records that `field` is wrong, and why (shown under it).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// The message for `field`, if it is wrong.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every error, for the API's problem document.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0
            .iter()
            .map(|(field, message)| (*field, message.as_str()))
    }

    /// One sentence naming every wrong field: the detail of a 422 problem.
    pub fn summary(&self) -> String {
        self.iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// What a form input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    Text,
    Email,
    Password,
    Number,
    Date,
    /// A multi-line text.
    TextArea,
}

/// A labelled input with its error: `aria-invalid` and `aria-describedby` point at the
/// message, so screen readers read it with the field.
pub fn field(
    label: &str,
    name: &'static str,
    input: Input,
    value: &str,
    errors: &FieldErrors,
) -> Markup {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let error = errors.of(name);
    let described_by = error.map(|_| error_id.as_str());
    let invalid = error.map(|_| "true");
    html! {
        div class="field" {
            label for=(id) { (label) }
            @match input {
                Input::TextArea => {
                    textarea id=(id) name=(name) rows="4" aria-invalid=[invalid]
                        aria-describedby=[described_by] { (value) }
                }
                _ => {
                    input id=(id) name=(name) type=(input_type(input)) value=(value)
                        aria-invalid=[invalid] aria-describedby=[described_by]
                        autocomplete=[autocomplete(input)];
                }
            }
            @if let Some(message) = error {
                p class="field-error" id=(error_id) { (message) }
            }
        }
    }
}

fn input_type(input: Input) -> &'static str {
    match input {
        Input::Text | Input::TextArea => "text",
        Input::Email => "email",
        Input::Password => "password",
        Input::Number => "number",
        Input::Date => "date",
    }
}

fn autocomplete(input: Input) -> Option<&'static str> {
    match input {
        Input::Email => Some("email"),
        Input::Password => Some("current-password"),
        _ => None,
    }
}

/// A notice at the top of a page (after a form succeeded, say); `role=status` is announced.
pub fn notice(text: &str) -> Markup {
    html! { p class="notice" role="status" { (text) } }
}
