//! What kind of text a sentence is: prose, or a heading, a reference-list entry, a
//! back-of-book index line, a table or list, an affiliation or address block.
//!
//! Typed relations are read from prose only (unless asked otherwise, `--relations-from all`):
//! the relation model was trained on news sentences, and in a bibliography "Bacon, F., Milton,
//! J. (1998). London: Penguin" it reads people living in the publisher's city; in an index, a
//! person working for the party printed beside him. Other kinds still give entities and
//! co-occurrences.
//!
//! The test is on the text, in two steps. A sentence is judged by itself first: reference
//! signals (initials, "et al.", a year with commas, "pp.", "doi", a journal), index and table
//! signals (page numbers and figures without a single verb-like function word), affiliation
//! signals (an institution or an e-mail address, again with no such word), a heading (a short
//! capitalised line without closing punctuation). Then a paragraph that is mostly one non-prose
//! kind lends it to its short pieces: a bibliography split at its full stops is a bibliography
//! throughout, also "Knowledge graphs." between two of its entries.
//!
//! Running headers and footers are found across the document's pages ([`running_lines`]): the
//! first or last line of a page that, digits aside, opens or closes several other pages too.

pub use crate::record::TextKind;

/// Lowercase words that live inside names, titles and addresses ("University of Oslo",
/// "Ludwig van Beethoven", "et al."): they do not make a line prose.
const IN_NAMES: &[&str] = &[
    "of", "and", "the", "for", "de", "der", "die", "das", "und", "van", "von", "da", "di", "du",
    "del", "la", "le", "et", "al", "in", "on", "at", "to", "a", "an", "y", "e",
];

/// Whether a word is a lowercase word of running text: letters only, at least two of them,
/// starting lowercase, not one that lives inside names. A sentence with none ("Department of
/// Physics, University of Oslo", "Bacon, Francis, 12, 45") is no prose; "Busch met Söder." is.
fn prose_word(bare: &str) -> bool {
    bare.chars().count() >= 2
        && bare.chars().all(char::is_alphabetic)
        && bare.chars().next().is_some_and(char::is_lowercase)
        && !IN_NAMES.contains(&bare)
}

/// Words that name an institution in an affiliation line.
const INSTITUTIONS: &[&str] = &[
    "university",
    "universität",
    "université",
    "universidad",
    "università",
    "institute",
    "institut",
    "department",
    "dept",
    "laboratory",
    "laboratories",
    "faculty",
    "college",
    "school",
    "centre",
    "center",
    "hospital",
    "academy",
];

/// Signals in a reference-list entry.
const REFERENCE_WORDS: &[&str] = &[
    "pp",
    "vol",
    "doi",
    "arxiv",
    "isbn",
    "proc",
    "proceedings",
    "journal",
    "eds",
    "ed",
    "press",
    "conference",
    "transactions",
    "retrieved",
];

/// Marks of a citation in a sentence, counted as reference signals: an ISBN (two: nothing else
/// writes one); an author's year in brackets after a name ("Uwe Ligges (2003),"); a quoted title
/// followed by a comma and a capitalised word ("“R Help Desk”, R News"); a year closing the
/// sentence after a comma ("… by M. P. Wand and M. C. Jones, 1995.").
fn citation_marks(raw: &str, bare: &[String]) -> usize {
    let chars: Vec<char> = raw.chars().collect();
    let year_at = |i: usize| -> bool {
        i + 4 <= chars.len()
            && chars[i..i + 4].iter().all(char::is_ascii_digit)
            && matches!(chars[i], '1' | '2')
            && chars.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
    };
    let mut marks = 2 * usize::from(bare.iter().any(|w| w == "isbn"));
    // "Name (2003)": a capitalised word, a space, a bracketed year.
    marks += usize::from((2..chars.len()).any(|i| {
        chars[i - 1] == '('
            && chars[i - 2] == ' '
            && year_at(i)
            && chars.get(i + 4) == Some(&')')
            && raw[..raw.char_indices().nth(i - 2).map_or(0, |(b, _)| b)]
                .split_whitespace()
                .last()
                .and_then(|w| w.chars().next())
                .is_some_and(char::is_uppercase)
    }));
    marks +=
        usize::from(chars.windows(4).any(|w| {
            matches!(w[0], '”' | '"') && w[1] == ',' && w[2] == ' ' && w[3].is_uppercase()
        }));
    let end = raw.trim_end().trim_end_matches('.');
    let tail: Vec<char> = end.chars().rev().take(6).collect::<Vec<_>>();
    marks += usize::from(
        tail.len() == 6
            && tail[..4].iter().all(char::is_ascii_digit)
            && tail[4] == ' '
            && tail[5] == ','
            && matches!(tail[3], '1' | '2'),
    );
    marks
}

/// Phrases only a licence writes.
const LICENCE_PHRASES: &[&str] = &[
    "all rights reserved",
    "permission is granted to",
    "you can redistribute it",
    "under the terms of the gnu",
    "without any warranty",
];

/// Whether a sentence (`lower`: in lower case) is a copyright or licence notice: "copyright"
/// with a year, a "©" or a "(c)", or a phrase only a licence writes.
fn is_notice(lower: &str, years: usize) -> bool {
    lower.contains("copyright") && (years >= 1 || lower.contains('©') || lower.contains("(c)"))
        || LICENCE_PHRASES.iter().any(|p| lower.contains(p))
}

/// Whether a line has a blank to fill in: "____", "....", "……", a box "☐".
fn blank_to_fill(line: &str) -> bool {
    line.contains("____") || line.contains("....") || line.contains("……") || line.contains('☐')
}

/// Whether the lines are fields of a form: two or more labels ("Name:", "Date of birth:", a
/// label of one to four words, the first capitalised, then a colon) each with a short value or
/// none, or blanks to fill ("____", "……", "☐"), on most lines; or, on one line that does not
/// end a sentence, two labels or more ("Name: Ann Lee Employer: Acme").
fn is_form(lines: &[&str], closed: bool) -> bool {
    // Labels: a word ending in a colon with a capitalised word among it and the three before
    // it, after the previous label.
    let labels = |line: &str| -> usize {
        let words: Vec<&str> = line.split_whitespace().collect();
        let mut count = 0;
        let mut after = 0; // the first word after the previous label
        for (i, w) in words.iter().enumerate() {
            if w.len() > 1 && w.ends_with(':') {
                let from = i.saturating_sub(3).max(after);
                if words[from..=i]
                    .iter()
                    .any(|w| w.chars().next().is_some_and(char::is_uppercase))
                {
                    count += 1;
                }
                after = i + 1;
            }
        }
        count
    };
    let blank = blank_to_fill;
    let field = |line: &&str| {
        let n = labels(line);
        let value_words = line
            .split(':')
            .next_back()
            .map_or(0, |v| v.split_whitespace().count());
        blank(line) || (n >= 1 && value_words <= 6 && line.split_whitespace().count() <= 12)
    };
    let fields = lines.iter().filter(|l| field(l)).count();
    let all_labels: usize = lines.iter().map(|l| labels(l)).sum();
    if lines.len() >= 2 {
        return fields >= 2 && fields * 3 >= lines.len() * 2;
    }
    all_labels >= 2 && !closed || lines.first().is_some_and(|l| blank(l) && labels(l) >= 1)
}

/// Judges one sentence by itself (its text as it stands on the page, line breaks included).
pub fn classify(raw: &str) -> TextKind {
    let words: Vec<&str> = raw.split_whitespace().collect();
    if words.is_empty() {
        return TextKind::Prose;
    }
    let trimmed: Vec<&str> = words
        .iter()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .collect();
    let bare: Vec<String> = trimmed.iter().map(|w| w.to_lowercase()).collect();
    let prose_words = trimmed.iter().filter(|w| prose_word(w)).count();
    let numbers = bare
        .iter()
        .filter(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_digit() || c == '–' || c == '-')
        })
        .count();
    let initials = words
        .iter()
        .filter(|w| {
            let t = w.trim_start_matches('(').trim_end_matches([',', ';', ')']);
            let cs: Vec<char> = t.chars().collect();
            cs.len() == 2 && cs[0].is_uppercase() && cs[1] == '.'
        })
        .count();
    let years = bare
        .iter()
        .filter(|w| w.len() == 4 && w.parse::<u32>().is_ok_and(|y| (1800..=2099).contains(&y)))
        .count();
    let commas = raw.matches(',').count();
    let lower = raw.to_lowercase();
    let ends = raw.trim_end().chars().last().unwrap_or(' ');
    let closed = matches!(ends, '.' | '!' | '?' | '"' | '”' | '\'' | ')');

    let mut reference = 0;
    reference += usize::from(lower.contains("et al"));
    reference += usize::from(bare.iter().any(|w| REFERENCE_WORDS.contains(&w.as_str())));
    reference += usize::from(initials >= 2);
    reference += usize::from(years >= 1 && commas >= 2);
    reference += usize::from(
        words[0].starts_with('[')
            && words[0]
                .trim_matches(['[', ']', '.'])
                .parse::<u32>()
                .is_ok(),
    );
    reference += usize::from(lower.contains("http") || lower.contains("www."));
    reference += citation_marks(raw, &bare);
    if reference >= 2 {
        return TextKind::Reference;
    }
    if is_notice(&lower, years) {
        return TextKind::Notice;
    }
    let institution = bare.iter().any(|w| INSTITUTIONS.contains(&w.as_str()));
    if prose_words == 0 && (raw.contains('@') || institution) {
        return TextKind::Affiliation;
    }
    if prose_words == 0 && numbers >= 2 && commas >= 1 && numbers * 5 >= words.len() {
        return TextKind::Index;
    }
    let lines: Vec<&str> = raw.lines().filter(|l| !l.trim().is_empty()).collect();
    if is_form(&lines, closed) {
        return TextKind::Form;
    }
    let short_lines = lines
        .iter()
        .filter(|l| l.split_whitespace().count() <= 4)
        .count();
    if (lines.len() >= 3 && short_lines * 4 >= lines.len() * 3)
        || (words.len() >= 4 && numbers * 3 >= words.len())
    {
        return TextKind::Table;
    }
    let content: Vec<&&str> = words
        .iter()
        .zip(&bare)
        .filter(|(_, b)| !b.is_empty() && !crate::extract::FUNCTION_WORDS.contains(&b.as_str()))
        .map(|(w, _)| w)
        .collect();
    let capitalised = content
        .iter()
        .filter(|w| {
            w.chars()
                .find(|c| c.is_alphanumeric())
                .is_some_and(|c| !c.is_lowercase())
        })
        .count();
    if words.len() <= 12 && !closed && !content.is_empty() && capitalised * 5 >= content.len() * 4 {
        return TextKind::Heading;
    }
    if prose_words == 0 && words.len() >= 4 && !closed {
        return TextKind::Table; // a run of names or figures
    }
    TextKind::Prose
}

/// The kinds of a paragraph's sentences (each judged by [`classify`]), with a paragraph that is
/// mostly one kind of list (reference, index, table) lending it to its short prose pieces.
pub fn in_paragraph(own: &mut [TextKind], words: &[usize]) {
    let listy = |k: TextKind| matches!(k, TextKind::Reference | TextKind::Index | TextKind::Table);
    let mut counts = std::collections::BTreeMap::new();
    for k in own.iter().filter(|k| listy(**k)) {
        *counts.entry(*k).or_insert(0usize) += 1;
    }
    let Some((&kind, &n)) = counts.iter().max_by_key(|(_, n)| **n) else {
        return;
    };
    if n >= 2 && n * 3 >= own.len() {
        for (k, &w) in own.iter_mut().zip(words) {
            if *k == TextKind::Prose && w < 10 {
                *k = kind;
            }
        }
    }
}

/// Whether a line is one field of a form: it opens on a label (a capitalised word, a colon
/// within its first three words, no comma before it) with a short value or a blank after it ("Name: Helena
/// Varga", "Signature: ____"), and does not end a sentence unless it is a blank.
pub fn is_field_line(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some(label) = words
        .iter()
        .take(3)
        .position(|w| w.len() > 1 && w.ends_with(':'))
    else {
        return false;
    };
    if words[..label].iter().any(|w| w.ends_with(',')) {
        return false;
    }
    let blank = blank_to_fill(line);
    words[0].chars().next().is_some_and(char::is_uppercase)
        && words.len() <= 12
        && (blank || (words.len() - label - 1 <= 6 && !line.trim_end().ends_with('.')))
}

/// Lines that are a block of their own whatever the layout joins them to: a form's field, and
/// an e-mail line of an affiliation block. A layout that sets them without a
/// gap (LaTeX's line breaks, a word processor's paragraphs) would otherwise run them into the
/// sentence that follows ("Signature: ____ Helena Varga works for Nordwind Energy."), and the
/// sentence would be neither prose nor form. Fields count on a page with two or more.
/// Character ranges of `text`.
pub fn standalone_lines(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut fields = Vec::new();
    let mut mails = Vec::new();
    let mut at = 0;
    for line in text.split('\n') {
        let n = line.chars().count();
        // An address line is cut only where it has an e-mail: a line of wrapped prose can
        // name a university without a word of prose ("Harvard University, Cambridge,"), and
        // cut there the sentence would lose its relations.
        if is_field_line(line) {
            fields.push(at..at + n);
        } else if line.contains('@') && classify(line) == TextKind::Affiliation {
            mails.push(at..at + n);
        }
        at += n + 1;
    }
    // Fields only on a page with two or more: one "Note: see below" in a manual is not a form.
    if fields.len() < 2 {
        fields.clear();
    }
    fields.extend(mails);
    fields.sort_by_key(|r| r.start);
    fields
}

/// Runs of one-line pieces a layout put each in a paragraph of its own (an OCR'd page spaces
/// its lines apart): two or more fields in a row ("Name: Helena Varga", "Office: Hamburg"),
/// each alone too little to call, are a form; three or more headings in a row are the rows of
/// a table or a list, not headings (the last of the run, which the text after it follows,
/// stays a heading: "Index"). `texts` are the sentences' texts, in page order.
pub fn in_runs(kinds: &mut [TextKind], texts: &[&str]) {
    let one_field = |t: &str| {
        let line = t.trim();
        !line.contains('\n') && is_form(&[line, line], false)
    };
    let mut i = 0;
    while i < kinds.len() {
        let mut j = i;
        while j < kinds.len() && kinds[j] != TextKind::Prose && one_field(texts[j]) {
            j += 1;
        }
        if j - i >= 2 {
            kinds[i..j].fill(TextKind::Form);
        }
        i = j.max(i + 1);
    }
    let mut i = 0;
    while i < kinds.len() {
        let mut j = i;
        while j < kinds.len() && kinds[j] == TextKind::Heading {
            j += 1;
        }
        if j - i >= 3 {
            kinds[i..j - 1].fill(TextKind::Table);
        }
        i = j.max(i + 1);
    }
}

/// Headings that open a reference list.
const REFERENCE_HEADINGS: &[&str] = &[
    "references",
    "bibliography",
    "works cited",
    "literature",
    "literature cited",
    "sources",
    "further reading",
    "notes",
];

/// After a heading that opens a reference list ("References", "Bibliography"), a page's
/// sentences are its entries up to the next heading, whatever each looks like alone ("Knowledge
/// graphs." between two entries). `texts` are the sentences' texts, in page order.
pub fn after_headings(kinds: &mut [TextKind], texts: &[&str]) {
    let mut in_list = false;
    for (k, t) in kinds.iter_mut().zip(texts) {
        if *k == TextKind::Heading {
            let heading = t
                .trim()
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
                .trim_end_matches(':')
                .to_lowercase();
            in_list = REFERENCE_HEADINGS.contains(&heading.as_str());
        } else if in_list {
            *k = TextKind::Reference;
        }
    }
}

/// A sentence that closes a quotation the sentence before it opened (a title cut at its own
/// stop: "… Chambers (1984), “S." then "An Interactive Environment …,” Monterey: Wadsworth.")
/// is the rest of that one, and of its kind when that is a reference.
pub fn in_quotations(kinds: &mut [TextKind], texts: &[&str]) {
    let opens = |t: &str| t.rfind('“').is_some_and(|o| !t[o..].contains('”'));
    let closes = |t: &str| t.find('”').is_some_and(|c| !t[..c].contains('“'));
    for i in 1..kinds.len().min(texts.len()) {
        if kinds[i - 1] == TextKind::Reference && opens(texts[i - 1]) && closes(texts[i]) {
            kinds[i] = TextKind::Reference;
        }
    }
}

/// A line must open (or close) at least this many pages to be a running header (footer)…
pub const MIN_RUNNING_PAGES: usize = 3;
/// … and at least one page in this many of the document's.
pub const RUNNING_SHARE: usize = 4;
/// Longest running header or footer, in characters.
const MAX_RUNNING_CHARS: usize = 120;

/// The running headers and footers of a document's pages (their texts, in page order): for
/// each page of two lines or more, the character ranges of its first and last line when that
/// line, digits aside, is also the first (last) line of at least [`MIN_RUNNING_PAGES`] pages
/// and of one page in [`RUNNING_SHARE`].
pub fn running_lines(pages: &[&str]) -> Vec<Vec<std::ops::Range<usize>>> {
    /// The first or last non-blank line of a page: its character range and its text with
    /// digits as `#`, lowercased, spaces collapsed.
    fn edge(text: &str, last: bool) -> Option<(std::ops::Range<usize>, String)> {
        let mut start = 0;
        let mut lines = Vec::new();
        for line in text.split('\n') {
            let n = line.chars().count();
            if !line.trim().is_empty() {
                lines.push((start..start + n, line));
            }
            start += n + 1;
        }
        // A header sits above other text, a footer below it: a page's only line is neither.
        if lines.len() < 2 {
            return None;
        }
        let (range, line) = if last {
            lines.pop()?
        } else {
            lines.into_iter().next()?
        };
        let key: String = line
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect::<String>()
            .to_lowercase();
        (range.len() <= MAX_RUNNING_CHARS).then_some((range, key))
    }
    let mut out = vec![Vec::new(); pages.len()];
    for last in [false, true] {
        let edges: Vec<Option<(std::ops::Range<usize>, String)>> =
            pages.iter().map(|p| edge(p, last)).collect();
        let mut counts: std::collections::HashMap<&str, usize> = Default::default();
        for (_, key) in edges.iter().flatten() {
            *counts.entry(key.as_str()).or_default() += 1;
        }
        for (page, e) in edges.iter().enumerate() {
            if let Some((range, key)) = e {
                let n = counts[key.as_str()];
                if n >= MIN_RUNNING_PAGES && n * RUNNING_SHARE >= pages.len() {
                    out[page].push(range.clone());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
