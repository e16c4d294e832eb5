/// Why a value was refused. Messages are lower-case and name the field, for forms and
/// import reports alike.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A field's value is missing, malformed or out of range.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field, as a form or a CSV header names it.
        field: &'static str,
        /// What is wrong, in plain words.
        reason: String,
    },
    /// A lifecycle step that is not one of its edges, e.g. an ask from `joined` back to `sent`.
    #[error("{what} cannot go from {from} to {to}")]
    Transition {
        /// The thing whose state changes ("ask", "job").
        what: &'static str,
        /// The current state.
        from: &'static str,
        /// The refused state.
        to: &'static str,
    },
}

impl Error {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Error {
        Error::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
