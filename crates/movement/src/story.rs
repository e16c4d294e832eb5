//! Stories — the moments that matter — and how people respond to them.

use serde::{Deserialize, Serialize};

use crate::text_enum::text_enum;
use crate::{Behaviour, Error, MovementId, PersonId};

text_enum! {
    /// What kind of moment a story tells.
    StoryKind, field = "kind" {
        /// Something clicked.
        Aha = "aha",
        /// Someone else's example moved the author.
        Inspiration = "inspiration",
        /// A problem that got fixed.
        ProblemFixed = "problem_fixed",
        /// How it went, trying a behaviour.
        Experience = "experience",
        /// A milestone worth marking together.
        Celebration = "celebration",
    }
}

text_enum! {
    /// Who may read a story.
    Visibility, field = "visibility" {
        /// Members of the story's movement.
        Movement = "movement",
        /// Everyone in the organization.
        Organization = "organization",
        /// The movement's hosts only (e.g. a problem not yet fixed).
        Hosts = "hosts",
    }
}

text_enum! {
    /// A reaction to a story, in rising order of commitment (and of social currency:
    /// 1, 2 and 5 in DESIGN.md's metric).
    ReactionKind, field = "reaction" {
        /// It inspired me.
        Inspired = "inspired",
        /// I will try it.
        WillTry = "will_try",
        /// I did it.
        DidIt = "did_it",
    }
}

impl ReactionKind {
    /// The reaction's weight in a story's social currency (DESIGN.md, "Metrics").
    pub fn social_currency(self) -> u32 {
        match self {
            ReactionKind::Inspired => 1,
            ReactionKind::WillTry => 2,
            ReactionKind::DidIt => 5,
        }
    }
}

/// A story as its author writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StorySpec {
    /// The movement it belongs to.
    pub movement: MovementId,
    /// Who writes it.
    pub author: PersonId,
    /// Who wrote it with them; credit is shared equally.
    pub co_authors: Vec<PersonId>,
    /// What kind of moment.
    pub kind: StoryKind,
    /// The story itself.
    pub text: String,
    /// Which behaviours it is about.
    pub behaviours: Vec<Behaviour>,
    /// Who may read it.
    pub visibility: Visibility,
}

/// Longest story accepted: a moment, not a report.
const MAX_STORY: usize = 5_000;

impl StorySpec {
    /// Checks the text is given and not too long, and that the author is not also listed as
    /// a co-author nor anyone listed twice.
    pub fn validate(self) -> Result<StorySpec, Error> {
        let length = self.text.trim().chars().count();
        if length == 0 {
            return Err(Error::invalid("text", "is empty"));
        }
        if length > MAX_STORY {
            return Err(Error::invalid(
                "text",
                format!("longer than {MAX_STORY} characters"),
            ));
        }
        for (i, co_author) in self.co_authors.iter().enumerate() {
            if *co_author == self.author || self.co_authors[..i].contains(co_author) {
                return Err(Error::invalid(
                    "co_authors",
                    format!("person {co_author} is listed twice"),
                ));
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_story_has_text_and_distinct_authors() {
        let story = StorySpec {
            movement: MovementId(1),
            author: PersonId(1),
            co_authors: vec![PersonId(2)],
            kind: StoryKind::Aha,
            text: "We cut the weekly report to one page.".into(),
            behaviours: vec![],
            visibility: Visibility::Movement,
        };
        assert!(story.clone().validate().is_ok());
        assert!(
            StorySpec {
                text: "  ".into(),
                ..story.clone()
            }
            .validate()
            .is_err()
        );
        let twice = StorySpec {
            co_authors: vec![PersonId(1)],
            ..story.clone()
        };
        assert!(
            twice
                .validate()
                .unwrap_err()
                .to_string()
                .starts_with("co_authors")
        );
        let long = StorySpec {
            text: "x".repeat(MAX_STORY + 1),
            ..story
        };
        assert!(long.validate().is_err());
    }

    #[test]
    fn reactions_weigh_as_the_metric_says() {
        let total: u32 = ReactionKind::ALL.iter().map(|r| r.social_currency()).sum();
        assert_eq!(total, 8);
        assert_eq!(
            "Did_It".parse::<ReactionKind>().unwrap(),
            ReactionKind::DidIt
        );
    }
}
