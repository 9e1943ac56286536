//! docgraph's own notes, warnings and errors on standard error. Plain lines
//! (`docgraph: warning: …`), except while a run streams JSON progress: then each is an event of
//! that stream (`{"event":"message","level":"warning","message":…}`), so a program reading it
//! gets one JSON object per line whatever happens, a fatal error included.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a run's progress is JSON lines.
static JSON: AtomicBool = AtomicBool::new(false);

/// From now on, messages are events of the JSON progress stream.
pub fn stream_json() {
    JSON.store(true, Ordering::Relaxed);
}

/// How much a message matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Something the user may want to know (a cap applied, duplicates counted once).
    Note,
    /// The outputs may not be what the user expects (no PDF found, shards missing).
    Warning,
    /// The run could not start or could not finish.
    Error,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// The line for `message` at `level`: plain, or a JSON event.
fn line(level: Level, message: &str, json: bool) -> String {
    if json {
        serde_json::json!({ "event": "message", "level": level.name(), "message": message })
            .to_string()
    } else {
        format!("docgraph: {}: {message}", level.name())
    }
}

/// Writes `message` at `level` to standard error.
pub fn say(level: Level, message: impl std::fmt::Display) {
    let text = line(level, &message.to_string(), JSON.load(Ordering::Relaxed));
    errln!("{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_plain_lines_or_events_of_the_json_stream() {
        assert_eq!(
            line(Level::Warning, "no PDF files found in in/", false),
            "docgraph: warning: no PDF files found in in/"
        );
        let event: serde_json::Value =
            serde_json::from_str(&line(Level::Error, "disk \"full\"\nagain", true)).unwrap();
        assert_eq!(event["event"], "message");
        assert_eq!(event["level"], "error");
        assert_eq!(event["message"], "disk \"full\"\nagain");
    }
}
