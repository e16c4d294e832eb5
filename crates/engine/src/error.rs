/// Why an algorithm could not give an answer. Parsers have their own [`crate::io::ParseError`].
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    /// A parameter is outside its domain, e.g. a damping factor of 1.5.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter's field name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An iterative method did not reach its tolerance.
    #[error("{algorithm} did not converge within {iterations} iterations")]
    NotConverged {
        /// Which method.
        algorithm: &'static str,
        /// How many iterations it ran.
        iterations: usize,
    },
}
