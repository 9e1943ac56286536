//! Sentence splitting with character offsets.
//!
//! Rule-based, tuned for text extracted from PDFs: a sentence ends at `.`, `!` or `?` (with any
//! closing quotes or brackets) followed by white space and a capital letter, digit or opening
//! quote, unless the word before the period is a known abbreviation or a single initial
//! ("J. Smith"); a blank line (paragraph break) always ends one. Single line breaks inside a
//! paragraph are only layout and are read as spaces.
//!
//! Offsets are in characters (Unicode scalar values) of the page text, the unit every output
//! of docgraph uses.

/// A sentence located in a page's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentenceSpan {
    /// First character, inclusive.
    pub start: usize,
    /// Last character, exclusive.
    pub end: usize,
}

/// Abbreviations that end with a period but do not end a sentence (compared lowercased,
/// without the final period).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "inc", "ltd", "co", "corp", "vs", "etc",
    "e.g", "i.e", "no", "fig", "gen", "gov", "sen", "rep", "rev", "hon", "capt", "col", "lt",
    "sgt", "mt", "ave", "approx", "dept", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "a.m", "p.m", "cf", "al", "vol", "pp",
];

/// Splits `text` into sentences. Spans are trimmed of surrounding white space and never empty.
pub fn split_sentences(text: &str) -> Vec<SentenceSpan> {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let mut out = Vec::new();
    let mut start = 0usize;
    // Whether the sentence under way has not reached its first word yet.
    let mut fresh = true;
    let mut i = 0usize;
    while i < n {
        let c = chars[i];
        if fresh && !c.is_whitespace() {
            fresh = false;
            // "BERLIN, Germany (AP) — ": the dateline is a sentence of its own.
            if let Some(end) = dateline_end(&chars, i) {
                push_trimmed(&chars, start, end, &mut out);
                start = end;
                fresh = true;
                i = end;
                continue;
            }
        }
        // Paragraph break: a newline, optional spaces, another newline.
        if c == '\n' {
            let mut j = i + 1;
            while j < n && chars[j] != '\n' && chars[j].is_whitespace() {
                j += 1;
            }
            if j < n && chars[j] == '\n' {
                push_trimmed(&chars, start, i, &mut out);
                start = j + 1;
                fresh = true;
                i = j + 1;
                continue;
            }
            // A headline on the first line of a paragraph, the story on the next.
            if j < n && chars[j].is_uppercase() && is_headline(&chars, start, i) {
                push_trimmed(&chars, start, i, &mut out);
                start = i + 1;
                fresh = true;
                i += 1;
                continue;
            }
        }
        if matches!(c, '.' | '!' | '?') {
            let mut end = i + 1;
            while end < n
                && matches!(
                    chars[end],
                    '.' | '!' | '?' | '"' | '\'' | ')' | ']' | '’' | '”' | '»'
                )
            {
                end += 1;
            }
            if end < n && chars[end].is_whitespace() {
                let mut next = end;
                while next < n && chars[next].is_whitespace() {
                    next += 1;
                }
                let starts_sentence = next < n && {
                    let nc = chars[next];
                    nc.is_uppercase()
                        || nc.is_ascii_digit()
                        || matches!(nc, '"' | '\'' | '“' | '‘' | '(' | '«')
                };
                if starts_sentence && !(c == '.' && is_abbreviation(&chars, start, i)) {
                    push_trimmed(&chars, start, end, &mut out);
                    start = end;
                    fresh = true;
                    i = end;
                    continue;
                }
            }
        }
        i += 1;
    }
    push_trimmed(&chars, start, n, &mut out);
    out
}

/// Where a news dateline that starts at `at` ends (after its dash and the white space after
/// it): a place in capitals ("BERLIN", "ST. LOUIS"), maybe a region after a comma and an agency
/// in brackets, then a dash, then a capitalised sentence. `None` for anything else.
fn dateline_end(chars: &[char], at: usize) -> Option<usize> {
    let n = chars.len();
    let mut i = at;
    // The place: capital words (letters, and . ' - inside), one space apart, up to four.
    let mut longest = 0;
    for word in 0..4 {
        let from = i;
        while i < n && (chars[i].is_uppercase() || matches!(chars[i], '.' | '\'' | '-')) {
            i += 1;
        }
        let letters = chars[from..i].iter().filter(|c| c.is_alphabetic()).count();
        if letters == 0 || (i < n && chars[i].is_lowercase()) {
            return None;
        }
        longest = longest.max(letters);
        if word < 3 && i + 1 < n && chars[i] == ' ' && chars[i + 1].is_uppercase() {
            i += 1;
            continue;
        }
        break;
    }
    if longest < 3 {
        return None;
    }
    // ", Region": capitalised words up to the bracket or the dash.
    if i < n && chars[i] == ',' {
        i += 1;
        let mut words = 0;
        while i < n && chars[i] == ' ' && i + 1 < n && chars[i + 1].is_uppercase() && words < 4 {
            i += 1;
            while i < n && (chars[i].is_alphabetic() || chars[i] == '.') {
                i += 1;
            }
            words += 1;
        }
        if words == 0 {
            return None;
        }
    }
    // " (AP)": an agency in brackets.
    let mut j = i;
    while j < n && chars[j] == ' ' {
        j += 1;
    }
    if j < n && chars[j] == '(' {
        let close = (j + 1..n.min(j + 32)).find(|&k| chars[k] == ')')?;
        i = close + 1;
    }
    // The dash, white space, and a capitalised sentence.
    while i < n && chars[i] == ' ' {
        i += 1;
    }
    let dashes = (i..n)
        .take_while(|&k| matches!(chars[k], '—' | '–' | '-' | '_'))
        .count();
    if dashes == 0 || dashes > 2 {
        return None;
    }
    let mut end = i + dashes;
    if end >= n || !chars[end].is_whitespace() {
        return None;
    }
    while end < n && chars[end].is_whitespace() {
        end += 1;
    }
    let next = *chars.get(end)?;
    (next.is_uppercase() || next.is_ascii_digit() || matches!(next, '"' | '“' | '\''))
        .then_some(end)
}

/// Is the text from `start` to the line break at `br` a headline: the first line of a
/// paragraph, short, without a comma or closing punctuation, its words capitalised but for
/// function words ("Siemens Opens Research Centre in Munich")?
fn is_headline(chars: &[char], start: usize, br: usize) -> bool {
    let mut s = start;
    while s < br && chars[s].is_whitespace() {
        s += 1;
    }
    // The first line of a paragraph: nothing but white space back to a blank line or the
    // start of the text.
    let mut k = s;
    let mut breaks = 0;
    while k > 0 && chars[k - 1].is_whitespace() {
        breaks += usize::from(chars[k - 1] == '\n');
        k -= 1;
    }
    if k > 0 && breaks < 2 {
        return false;
    }
    let line: String = chars[s..br].iter().collect();
    let line = line.trim_end();
    if line.is_empty() || line.contains(',') || line.ends_with(['.', '!', '?', ';', ':', '-']) {
        return false;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.len() > 12 {
        return false;
    }
    // The story follows: the next line reads as prose (a lowercase word), not as another row of
    // capitalised names (a table).
    let next: String = chars[br + 1..].iter().take_while(|&&c| c != '\n').collect();
    let prose_follows = next.split_whitespace().any(|w| {
        w.chars().count() >= 2
            && w.chars().all(char::is_alphabetic)
            && w.chars().next().is_some_and(char::is_lowercase)
    });
    if !prose_follows {
        return false;
    }
    let content: Vec<&&str> = words
        .iter()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .filter(|w| !crate::extract::FUNCTION_WORDS.contains(&w.to_lowercase().as_str()))
        .collect();
    let capitalised = content
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    !content.is_empty() && capitalised * 10 >= content.len() * 8
}

/// Is the word that ends at the period at `dot` an abbreviation or an initial?
fn is_abbreviation(chars: &[char], floor: usize, dot: usize) -> bool {
    let mut s = dot;
    while s > floor && !chars[s - 1].is_whitespace() && chars[s - 1] != '(' {
        s -= 1;
    }
    let word: String = chars[s..dot].iter().collect::<String>().to_lowercase();
    if word.is_empty() {
        return false;
    }
    // A single capital letter: an initial, as in "J. Smith".
    if word.chars().count() == 1 && chars[s].is_uppercase() {
        return true;
    }
    ABBREVIATIONS.contains(&word.as_str())
}

fn push_trimmed(chars: &[char], mut s: usize, mut e: usize, out: &mut Vec<SentenceSpan>) {
    while s < e && chars[s].is_whitespace() {
        s += 1;
    }
    while e > s && chars[e - 1].is_whitespace() {
        e -= 1;
    }
    if e > s && chars[s..e].iter().any(|c| c.is_alphanumeric()) {
        out.push(SentenceSpan { start: s, end: e });
    }
}

/// Splits a long span into pieces of at most `max_words` words, at word boundaries, so no input
/// exceeds what the model reads (rust-bert truncates silently past its limit). Tables and lists
/// extracted from PDFs produce "sentences" of hundreds of words.
pub fn chunk_span(chars: &[char], span: &SentenceSpan, max_words: usize) -> Vec<SentenceSpan> {
    let mut out = Vec::new();
    let mut chunk_start = span.start;
    let mut words = 0usize;
    let mut in_word = false;
    for i in span.start..span.end {
        let ws = chars[i].is_whitespace();
        if !ws && !in_word {
            if words == max_words {
                push_trimmed(chars, chunk_start, i, &mut out);
                chunk_start = i;
                words = 0;
            }
            words += 1;
        }
        in_word = !ws;
    }
    push_trimmed(chars, chunk_start, span.end, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &str) -> Vec<String> {
        let chars: Vec<char> = t.chars().collect();
        split_sentences(t)
            .iter()
            .map(|s| chars[s.start..s.end].iter().collect())
            .collect()
    }

    #[test]
    fn splits_on_terminal_punctuation_before_capitals() {
        assert_eq!(
            texts("Angela Merkel visited Paris. She met Emmanuel Macron! Was it useful? Yes."),
            vec![
                "Angela Merkel visited Paris.",
                "She met Emmanuel Macron!",
                "Was it useful?",
                "Yes."
            ]
        );
    }

    #[test]
    fn abbreviations_and_initials_do_not_end_sentences() {
        assert_eq!(
            texts("Dr. Maria Novak joined Acme Inc. in May. J. R. Tolkien wrote in Oxford, e.g. at home."),
            vec!["Dr. Maria Novak joined Acme Inc. in May.", "J. R. Tolkien wrote in Oxford, e.g. at home."]
        );
    }

    #[test]
    fn paragraph_breaks_end_sentences_but_line_breaks_do_not() {
        assert_eq!(
            texts("Annual Report 2024\n\nThe company grew\nin Spain and Portugal. Profits rose."),
            vec![
                "Annual Report 2024",
                "The company grew\nin Spain and Portugal.",
                "Profits rose."
            ]
        );
    }

    #[test]
    fn datelines_and_headlines_are_sentences_of_their_own() {
        assert_eq!(
            texts("BERLIN, Germany (AP) — Siemens opened a plant. It employs 400."),
            vec![
                "BERLIN, Germany (AP) —",
                "Siemens opened a plant.",
                "It employs 400."
            ]
        );
        assert_eq!(
            texts("ST. LOUIS (Reuters) - Boeing said on Monday it would hire."),
            vec![
                "ST. LOUIS (Reuters) -",
                "Boeing said on Monday it would hire."
            ]
        );
        assert_eq!(
            texts("Siemens Opens Research Centre in Munich\nRoland Busch said the site will grow."),
            vec![
                "Siemens Opens Research Centre in Munich",
                "Roland Busch said the site will grow."
            ]
        );
        // Not datelines: an acronym in a sentence, a dash followed by lowercase.
        assert_eq!(
            texts("NATO - the alliance - met in Brussels."),
            vec!["NATO - the alliance - met in Brussels."]
        );
        assert_eq!(texts("IBM said so."), vec!["IBM said so."]);
        // Not headlines: a line inside a paragraph, a line with a comma, a prose line.
        assert_eq!(
            texts("The board met.\nDeutsche Bank, Commerzbank and Allianz\nSigned the deal."),
            vec![
                "The board met.",
                "Deutsche Bank, Commerzbank and Allianz\nSigned the deal."
            ]
        );
        assert_eq!(
            texts("The chancellor met with Angela\nMerkel in Berlin."),
            vec!["The chancellor met with Angela\nMerkel in Berlin."]
        );
        // Not a headline: the first row of a table of names.
        assert_eq!(
            texts("Anna Berg Bergen Telenor\nOle Hansen Tromso Equinor"),
            vec!["Anna Berg Bergen Telenor\nOle Hansen Tromso Equinor"]
        );
    }

    #[test]
    fn offsets_are_in_characters() {
        let t = "Zoë Müller lives in Zürich. Ödön Horváth too.";
        let spans = split_sentences(t);
        assert_eq!(spans[1], SentenceSpan { start: 28, end: 45 });
    }

    #[test]
    fn decimals_and_lowercase_continuations_stay_together() {
        assert_eq!(
            texts("Growth was 3.5 percent. it rose."),
            vec!["Growth was 3.5 percent. it rose."]
        );
    }

    #[test]
    fn long_spans_are_chunked_at_word_boundaries() {
        let t = "one two three four five six seven";
        let chars: Vec<char> = t.chars().collect();
        let chunks = chunk_span(
            &chars,
            &SentenceSpan {
                start: 0,
                end: chars.len(),
            },
            3,
        );
        let got: Vec<String> = chunks
            .iter()
            .map(|s| chars[s.start..s.end].iter().collect())
            .collect();
        assert_eq!(got, vec!["one two three", "four five six", "seven"]);
    }
}
