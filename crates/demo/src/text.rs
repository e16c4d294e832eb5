//! The demo's words: its movement, and the messages, missions, stories, notes and outcomes
//! its people write. Chosen from small sets of templates by the plan's random stream, so the
//! same seed writes the same words.

use movement::{Channel, StoryKind};
use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The movement's short name.
pub const MOVEMENT_NAME: &str = "Work Out Loud";

/// Its mission.
pub const MISSION: &str = "Make what each of us knows everybody's: we share our work while \
    it is still in progress, learn from colleagues in other units and sites, and celebrate \
    what we fix together — so that no one solves the same problem twice.";

/// Its five behaviours, most to least taken up.
pub const BEHAVIOURS: [&str; 5] = [
    "Share one thing you learned each week",
    "Start every meeting with its purpose",
    "Ask someone in another unit for advice",
    "Say thank you in public",
    "Put work in progress where others can see it",
];

/// Each behaviour as a story speaks of it ("… since I started …").
const DOING: [&str; 5] = [
    "sharing one thing I learned each week",
    "opening every meeting with its purpose",
    "asking people outside my unit for advice",
    "thanking people in public",
    "putting my drafts where others can see them",
];

fn pick<'a>(rng: &mut Xoshiro256PlusPlus, options: &[&'a str]) -> &'a str {
    options[rng.random_range(0..options.len())]
}

/// An ask, in the asker's words, for its channel (`first`: the first name of the person
/// asked).
pub fn ask_message(rng: &mut Xoshiro256PlusPlus, channel: Channel, first: &str) -> String {
    let line = match channel {
        Channel::InPerson => pick(
            rng,
            &[
                "Talked over coffee about Work Out Loud; {first} wanted the link.",
                "Asked {first} after the team meeting; sending the link so it's easy to join.",
                "Met {first} at the site day and told them how it's going for me.",
            ],
        ),
        Channel::Call => pick(
            rng,
            &[
                "Called {first} about Work Out Loud; here's the link we talked about.",
                "Phoned {first} — they'd heard about it and had questions.",
            ],
        ),
        Channel::Sms => pick(
            rng,
            &[
                "Hi {first}, I've joined Work Out Loud and it's been worth it. Join me? Two minutes:",
                "{first}! Remember the thing I mentioned? Here's the link, would love you in.",
            ],
        ),
        Channel::Email => pick(
            rng,
            &[
                "Hi {first},\n\nI've been part of Work Out Loud for a few weeks: we share what \
                 we learn and ask each other across units. I think you'd bring a lot to it — \
                 would you join? It takes two minutes.\n\nThanks!",
                "Dear {first},\n\nYou're the person I go to on this, so I wanted to ask you \
                 myself: would you join Work Out Loud with me?",
            ],
        ),
        Channel::Chat => pick(
            rng,
            &[
                "hey {first} 👋 we started Work Out Loud — small things, big difference. in?",
                "{first}, you'd like this: Work Out Loud. I'm in, join me?",
                "Quick one {first}: would you join Work Out Loud? Happy to tell you more.",
            ],
        ),
        Channel::Broadcast => pick(
            rng,
            &[
                "Work Out Loud: colleagues across every site are sharing what they learn and \
                 fixing things together. Join them.",
                "This month in Work Out Loud: stories from your colleagues, and how to join.",
            ],
        ),
    };
    line.replace("{first}", first)
}

/// A personal mission: "why this mission is mine".
pub fn personal_mission(rng: &mut Xoshiro256PlusPlus, unit: &str) -> String {
    let line = pick(
        rng,
        &[
            "I've solved the same problem twice this year. Never again.",
            "In {unit} we know things the rest of the company needs, and the other way round.",
            "I learned the most from people who showed their work before it was finished.",
            "Because the best advice I ever got came from someone in another unit.",
            "I want new colleagues in {unit} to find answers in days, not months.",
            "Meetings without a purpose cost us a day a week. I'd like that day back.",
            "Thanking people in public is free and it changes how a team feels.",
        ],
    );
    line.replace("{unit}", unit)
}

/// What an activist notes after a talk, by whether the person joined.
pub fn conversation_outcome(rng: &mut Xoshiro256PlusPlus, joined: bool) -> String {
    let options: &[&str] = if joined {
        &[
            "Joined on the spot; will share something this week.",
            "Said yes — already does half of it, wants to do it openly.",
            "In. Asked whether their team could try it too.",
        ]
    } else {
        &[
            "Interested but swamped until the quarter closes.",
            "Not convinced yet; wants to see how it goes for us first.",
            "Said no for now — no time. Will ask again in a month.",
            "Liked the idea, worried about sharing unfinished work.",
        ]
    };
    pick(rng, options).to_string()
}

/// A follow-up talk with someone already in.
pub fn follow_up_outcome(rng: &mut Xoshiro256PlusPlus) -> String {
    pick(
        rng,
        &[
            "Tried it twice this week; wants a template for meeting purposes.",
            "Shared a learning with their team, got three replies.",
            "Stuck: their manager prefers polished work. Offered to help.",
            "Doing well; might become an activist.",
        ],
    )
    .to_string()
}

/// A story of `kind` about `behaviour` (an index into [`BEHAVIOURS`]); `other`: the first
/// name of a colleague it mentions, `unit` the author's unit, `count` a milestone number.
pub fn story(
    rng: &mut Xoshiro256PlusPlus,
    kind: StoryKind,
    behaviour: usize,
    other: &str,
    unit: &str,
    count: usize,
) -> String {
    let line = match kind {
        StoryKind::Aha => pick(
            rng,
            &[
                "It clicked on Tuesday: since I started {doing}, people come to me with \
                 answers before I ask. I'd been hoarding questions for years.",
                "{other} asked me something I'd figured out months ago. Nobody knew. That's \
                 when I understood why {doing} matters.",
                "Aha: the fastest way to get help is to show the half-finished thing. \
                 {other} fixed in ten minutes what I'd been stuck on for two days.",
            ],
        ),
        StoryKind::Inspiration => pick(
            rng,
            &[
                "Watching {other} keep {doing} week after week made me try it. Thank you.",
                "{other} from another site started {doing}, and now half of {unit} does it.",
                "Inspired by {other}: I've started {doing} too. Small thing, big effect.",
            ],
        ),
        StoryKind::ProblemFixed => pick(
            rng,
            &[
                "Our month-end report took three days. By {doing}, {other} and I found \
                 someone who had automated it already. It now takes an afternoon.",
                "Two teams in {unit} were building the same tool. We found out because we \
                 started {doing}. One tool now, and a free month for one of the teams.",
                "A customer issue bounced between units for weeks. {other} answered it the \
                 day I asked outside {unit}.",
            ],
        ),
        StoryKind::Experience => pick(
            rng,
            &[
                "Three weeks of {doing}: awkward at first, now it's the most useful ten \
                 minutes of my week.",
                "Honest report: {doing} is harder than it sounds. But {other} and I keep \
                 each other going.",
                "What happened when I tried {doing} in {unit}: more replies than I \
                 expected, and two people asked to join.",
            ],
        ),
        StoryKind::Celebration => pick(
            rng,
            &[
                "{count} of us now! Thank you to everyone who asked a colleague personally — \
                 that's how almost all of us got here.",
                "We're {count}. In every unit, on every site. Thank you, {other}, and everyone \
                 who shared a story.",
                "Milestone: {count} people in Work Out Loud. Cake in {unit} on Friday.",
            ],
        ),
    };
    line.replace("{doing}", DOING[behaviour % DOING.len()])
        .replace("{other}", other)
        .replace("{unit}", unit)
        .replace("{count}", &count.to_string())
}

/// A retell's note.
pub fn retell_note(rng: &mut Xoshiro256PlusPlus, unit: &str) -> String {
    pick(
        rng,
        &[
            "This is exactly what we need in {unit}.",
            "Sharing with my team — worth two minutes.",
            "Read this one. Then try it.",
            "Proof it works outside head office too.",
        ],
    )
    .replace("{unit}", unit)
}
