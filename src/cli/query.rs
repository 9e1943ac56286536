//! `docgraph query OUT NAME`: an entity and its relations, from the outputs alone.

use std::path::Path;

use docgraph::explore::query::{find, report, to_text, Answer};
use docgraph::explore::View;

use super::{EXIT_FATAL, EXIT_OK};

/// Runs `query`; exit 0 when an entity is found, 1 when not.
pub fn query(out: &Path, name: &str, json: bool) -> docgraph::Result<u8> {
    let view = View::load(out)?;
    match find(&view, name) {
        Answer::Found(entities) => {
            let reports: Vec<_> = entities.iter().map(|e| report(&view, e)).collect();
            if json {
                let v = serde_json::json!({ "query": name, "found": true, "entities": reports, "suggestions": [] });
                outln!("{v}");
            } else {
                for r in &reports {
                    outln!("{}", to_text(r).trim_end());
                }
            }
            Ok(EXIT_OK)
        }
        Answer::NotFound(close) => {
            let names: Vec<&str> = close.iter().map(|e| e.name.as_str()).collect();
            if json {
                let v = serde_json::json!({ "query": name, "found": false, "entities": [], "suggestions": names });
                outln!("{v}");
            } else {
                outln!("no entity named {name:?}");
                if !names.is_empty() {
                    outln!("closest: {}", names.join(", "));
                }
            }
            Ok(EXIT_FATAL)
        }
    }
}
