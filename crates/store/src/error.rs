use std::fmt;

/// What went wrong in the store. Messages are lower-case and say what was being done.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The URL names no backend we have.
    #[error("unsupported database url {0:?}: use sqlite://FILE or postgres://HOST/DATABASE")]
    UnsupportedUrl(String),
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A value failed the domain's validation.
    #[error(transparent)]
    Invalid(#[from] movement::Error),
    /// Something with the same unique key exists already.
    #[error("{what} {key:?} exists already")]
    Duplicate {
        /// What kind of thing.
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// The row does not exist in this organization (it may exist in another one; the store
    /// does not say).
    #[error("{what} {id} not found")]
    NotFound {
        /// What kind of thing.
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// A write refers to a person, movement, story or experiment that is not in this
    /// organization (or not at all: the store does not say which).
    #[error("it refers to a person, movement, story or experiment not in this organization")]
    Dangling,
    /// An import was refused; nothing was written. Lists the first bad rows.
    #[error("{source_name}: import refused, nothing written:\n{}", list(.errors, *.more))]
    Rejected {
        /// The file (or stream) imported.
        source_name: String,
        /// The first bad rows, in file order.
        errors: Vec<RowError>,
        /// How many more bad rows were not listed.
        more: usize,
    },
    /// A file could not be read or parsed as a whole (e.g. broken XML).
    #[error("{0}")]
    Unreadable(String),
    /// A stored value no longer parses: the database was changed behind the store's back.
    #[error("stored {what} is corrupt: {reason}")]
    Corrupt {
        /// Which column.
        what: &'static str,
        /// Why it does not parse.
        reason: String,
    },
}

impl Error {
    /// Names the constraint a write broke: a unique key ([`Error::Duplicate`]) or a
    /// reference outside the organization ([`Error::Dangling`]); anything else stays a
    /// database error.
    pub(crate) fn refused(error: sqlx::Error, what: &'static str, key: &str) -> Error {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => Error::Duplicate {
                what,
                key: key.to_string(),
            },
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => Error::Dangling,
            _ => Error::Database(error),
        }
    }

    pub(crate) fn corrupt(what: &'static str, reason: impl fmt::Display) -> Error {
        Error::Corrupt {
            what,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn not_found(what: &'static str, id: impl fmt::Display) -> Error {
        Error::NotFound {
            what,
            id: id.to_string(),
        }
    }
}

/// One bad row of an import: where, which field, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line of the file (the header is line 1).
    pub line: u64,
    /// The column, or `None` when the row as a whole is wrong (e.g. too few fields).
    pub field: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}: {field}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

fn list(errors: &[RowError], more: usize) -> String {
    let mut text: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
    if more > 0 {
        text.push(format!("  … and {more} more bad rows"));
    }
    text.join("\n")
}
