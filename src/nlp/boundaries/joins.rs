//! Neighbouring spans that are one name, joined (the module docs' "joins" and "restarts").

use super::words::{PARTICLES, SURNAME_HEADS};
use super::{place_or_org_head, Words};
use crate::nlp::entities::EntitySpan;
use crate::record::EntityType;

/// Joins neighbouring spans that are one name (see the module docs).
pub(super) fn join(spans: Vec<EntitySpan>, w: &Words) -> Vec<EntitySpan> {
    let mut out: Vec<EntitySpan> = Vec::with_capacity(spans.len());
    for span in spans {
        if let Some(prev) = out.last_mut() {
            if one_name(prev, &span, w) {
                prev.end = span.end;
                prev.score = prev.score.min(span.score);
                continue;
            }
            if modifies(prev, &span, w) {
                prev.end = span.end;
                prev.score = prev.score.min(span.score);
                prev.entity_type = span.entity_type;
                continue;
            }
            if let Some(ty) = continues(prev, &span, w) {
                prev.end = span.end;
                prev.score = prev.score.min(span.score);
                prev.entity_type = ty;
                continue;
            }
        }
        out.push(span);
    }
    out
}

/// Joins, in finished spans, a miscellaneous adjective to the name right after it that only
/// its extension brought next to it ("Chinese" + "Foreign Ministry": the model typed
/// "Ministry" alone, and its head word took "Foreign"). See [`modifies`].
pub(super) fn lead_adjectives(spans: Vec<EntitySpan>, w: &Words) -> Vec<EntitySpan> {
    let mut out: Vec<EntitySpan> = Vec::with_capacity(spans.len());
    for span in spans {
        match out.last_mut() {
            Some(prev) if modifies(prev, &span, w) => {
                prev.end = span.end;
                prev.score = prev.score.min(span.score);
                prev.entity_type = span.entity_type;
            }
            _ => out.push(span),
        }
    }
    out
}

/// Whether `a`, one capitalised word the model typed miscellaneous, leads the name `b` right
/// after it (one space between) that is no person: "Latin" + "America", "Western" +
/// "Hemisphere", "First" + "Nations". The name is `b`'s type.
fn modifies(a: &EntitySpan, b: &EntitySpan, w: &Words) -> bool {
    a.entity_type == EntityType::MISC
        && b.entity_type != EntityType::PER
        && w.between(a.end, b.start) == " "
        && w.starting_at(a.start)
            .is_some_and(|i| w.words[i].end == a.end && w.capitalised(i))
}

/// Whether the span `b` goes on the name `a` right before it (one space between), and as what:
/// `b` is one capitalised head word of a place or an organisation ("Air" + "Force"; the name
/// is the head's type), or the model labelled `b` a person going
/// on after a name of one word ("Yisrael" + "Tal", a person).
fn continues(a: &EntitySpan, b: &EntitySpan, w: &Words) -> Option<EntityType> {
    if w.between(a.end, b.start) != " " {
        return None;
    }
    let first = w.starting_at(b.start)?;
    if w.words[first].end == b.end && w.capitalised(first) {
        let head = place_or_org_head(&w.text(first));
        let surname =
            a.entity_type == EntityType::PER && SURNAME_HEADS.contains(&w.text(first).as_str());
        if head.is_some() && !surname {
            return head;
        }
    }
    let one_word = w
        .starting_at(a.start)
        .is_some_and(|i| w.words[i].end == a.end);
    (one_word && w.words[first].label == "I-PER" && w.capitalised(first)).then_some(EntityType::PER)
}

/// Whether `a` and the span `b` after it are one name cut in two.
fn one_name(a: &EntitySpan, b: &EntitySpan, w: &Words) -> bool {
    let gap = w.between(a.end, b.start);
    if gap == "-" || gap == "‑" {
        return true; // "Rolls-Royce", "Baden-Württemberg"
    }
    // Touching, the second opening on the hyphen or the stop: "Saint" + "-Gall",
    // "Ms" + ". Calico".
    if gap.is_empty() && matches!(w.chars.get(b.start), Some('-' | '‑' | '.')) {
        return true;
    }
    // Two names of one type other than persons, one space apart: one name the model
    // started again ("Hong Kong Film" + "Awards", "Old" + "Whigs"); persons have rules of
    // their own below.
    if gap == " " && a.entity_type == b.entity_type && a.entity_type != EntityType::PER {
        return true;
    }
    // A dateline's city in capitals the model cut in two: "NEW" + "YORK" opening the input.
    let shouted = |span: &EntitySpan| {
        let t = w.between(span.start, span.end);
        t.chars().filter(|c| c.is_alphabetic()).count() >= 2
            && t.chars().all(|c| c.is_uppercase() || c == ' ')
    };
    if gap == " " && w.starting_at(a.start) == Some(0) && shouted(a) && shouted(b) {
        return true;
    }
    // A name the model ended on "of", then the rest of it: "United States of" + "America".
    if gap == " "
        && a.entity_type == b.entity_type
        && w.ending_at(a.end)
            .is_some_and(|i| w.text(i) == "of" && w.words[i].start > a.start)
    {
        return true;
    }
    if a.entity_type != EntityType::PER || b.entity_type != EntityType::PER {
        return false;
    }
    if gap == " " {
        // "Michael D." + "Higgins": a person ending in an initial, then a name; "Yisrael" +
        // "Tal", "Dr." + "Lee DeForest": a person of one word (a title), then a name.
        let last = w.ending_at(a.end);
        return last.is_some_and(|i| {
            let first = if w.text(i) == "." && i > 0 { i - 1 } else { i };
            w.initial(first).is_some() || w.words[first].start == a.start
        });
    }
    // Between them only initials or name particles, single spaces around each.
    let (Some(mut i), Some(stop)) = (w.ending_at(a.end), w.starting_at(b.start)) else {
        return false;
    };
    let mut crossed = 0;
    while let Some(j) = w.next_after_space(i) {
        if j == stop {
            return crossed > 0;
        }
        if let Some(end) = w.initial(j) {
            i = end;
        } else if PARTICLES.contains(&w.text(j).as_str()) {
            i = j;
        } else {
            return false;
        }
        crossed += 1;
        if crossed > 3 {
            return false;
        }
    }
    false
}
