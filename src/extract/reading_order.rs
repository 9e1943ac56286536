//! Reading order: glyphs placed by [`super::interpret`] laid out as text. Lines top to bottom,
//! glyphs left to right, a space where the gap between glyphs is wider than a fraction of the
//! font size, columns found from a shared gutter and read one after the other, and a word
//! hyphenated at a line end joined again.

use super::interpret::Glyph;

/// Expands typographic ligatures and drops characters that carry no text.
fn clean(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\u{FB00}' => out.push_str("ff"),
            '\u{FB01}' => out.push_str("fi"),
            '\u{FB02}' => out.push_str("fl"),
            '\u{FB03}' => out.push_str("ffi"),
            '\u{FB04}' => out.push_str("ffl"),
            '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
            '\u{00A0}' | '\t' | '\u{2002}'..='\u{200A}' => out.push(' '),
            '\u{00AD}' => out.push('-'), // soft hyphen: only ever shown at a line end
            c if c.is_control() || c == '\u{FFFD}' || c == '\u{FEFF}' => {}
            c => out.push(c),
        }
    }
}

/// Spacing accents TeX draws as a glyph of their own before the letter they sit on (in the
/// PDF's text, "Wirtschaftsuniversit¨at", "Andr´e"), with the combining mark each stands for.
/// The grave and the ASCII circumflex and tilde are left alone: they are code and quotes far
/// more often.
const SPACING_ACCENTS: &[(char, char)] = &[
    ('\u{00A8}', '\u{0308}'), // diaeresis
    ('\u{00B4}', '\u{0301}'), // acute
    ('\u{02C6}', '\u{0302}'), // circumflex
    ('\u{02DC}', '\u{0303}'), // tilde
    ('\u{02C7}', '\u{030C}'), // caron
    ('\u{02D8}', '\u{0306}'), // breve
    ('\u{02DA}', '\u{030A}'), // ring
    ('\u{00AF}', '\u{0304}'), // macron
    ('\u{02DD}', '\u{030B}'), // double acute
    ('\u{02D9}', '\u{0307}'), // dot above
];

/// Whether an accent is set on this letter: a vowel, or for a caron any letter ("Č", "ž"), for a
/// tilde also an n. An acute before a consonant is an apostrophe typed as an accent
/// ("Peter´s"), not an "ś".
fn sits_on(mark: char, letter: char) -> bool {
    let vowel = "aeiouyAEIOUY".contains(letter);
    match mark {
        '\u{030C}' => letter.is_alphabetic(),
        '\u{0303}' => vowel || letter == 'n' || letter == 'N',
        _ => vowel,
    }
}

/// Sets each spacing accent on the letter after it (a space between allowed; see [`sits_on`]) where Unicode has
/// the accented letter ("¨a" → "ä", "´ı" → "í"); any other accent is left as it stands.
fn compose_accents(text: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    if !text
        .chars()
        .any(|c| SPACING_ACCENTS.iter().any(|a| a.0 == c))
    {
        return text.into();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let mark = SPACING_ACCENTS
            .iter()
            .find(|a| a.0 == chars[i])
            .map(|a| a.1);
        let next = if chars.get(i + 1) == Some(&' ') {
            i + 2
        } else {
            i + 1
        };
        if let (Some(mark), Some(&letter)) = (mark, chars.get(next)) {
            // TeX puts an accent on a dotless i.
            let base = if letter == 'ı' { 'i' } else { letter };
            let mut composed = [base, mark].into_iter().nfc();
            if let (Some(c), None) = (composed.next(), composed.next()) {
                if sits_on(mark, base) && c != base {
                    out.push(c);
                    i = next + 1;
                    continue;
                }
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out.into()
}

/// A gap wider than this fraction of the font size between two glyphs is a space.
const SPACE_GAP: f32 = 0.18;

/// A gap wider than this fraction of the font size splits a line into separate pieces (columns,
/// table cells): wider than any word space, narrower than LaTeX's 1 em column separation.
const SEGMENT_GAP: f32 = 0.9;

/// Rows that must show the same gutter before a page is read as columns.
const MIN_GUTTER_ROWS: usize = 3;

/// A run of glyphs on one baseline with no wide gap inside.
#[derive(Debug, Clone, PartialEq)]
struct Segment {
    x0: f32,
    x1: f32,
    y: f32,
    size: f32,
    text: String,
}

/// Lays glyphs out as text: columns detected and read one after the other, lines top to
/// bottom, glyphs left to right, spaces from gaps, a blank line between paragraphs,
/// end-of-line hyphenation joined.
pub fn layout(glyphs: &[Glyph]) -> String {
    let mut lines: Vec<(u8, f32, f32, Vec<&Glyph>)> = Vec::new(); // dir, y, size, glyphs
                                                                  // Group by direction, then cluster baselines.
    let mut order: Vec<&Glyph> = glyphs.iter().collect();
    order.sort_by(|a, b| a.dir.cmp(&b.dir).then(b.y.total_cmp(&a.y)));
    for g in order {
        match lines.last_mut() {
            Some((dir, y, size, members))
                if *dir == g.dir && (*y - g.y).abs() <= 0.45 * size.max(g.size) =>
            {
                members.push(g);
                *size = size.max(g.size);
            }
            _ => lines.push((g.dir, g.y, g.size, vec![g])),
        }
    }
    let mut ordered: Vec<Segment> = Vec::new();
    let mut start = 0;
    while start < lines.len() {
        let dir = lines[start].0;
        let end = start + lines[start..].iter().take_while(|l| l.0 == dir).count();
        let mut segments = Vec::new();
        for (_, y, size, members) in &mut lines[start..end] {
            members.sort_by(|a, b| a.x0.total_cmp(&b.x0));
            segments.extend(split_segments(members, *y, *size));
        }
        ordered.extend(reading_order(segments, 0));
        start = end;
    }
    let texts: Vec<(f32, f32, String)> =
        ordered.into_iter().map(|s| (s.y, s.size, s.text)).collect();
    join_lines(&texts)
}

/// One line's glyphs (sorted by x) as segments split at wide gaps.
fn split_segments(members: &[&Glyph], y: f32, size: f32) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut x0 = f32::NAN;
    let mut prev: Option<&Glyph> = None;
    let finish = |text: &mut String, x0: f32, x1: f32, out: &mut Vec<Segment>| {
        let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let collapsed = compose_accents(&collapsed).into_owned();
        if !collapsed.is_empty() {
            out.push(Segment {
                x0,
                x1,
                y,
                size,
                text: collapsed,
            });
        }
        text.clear();
    };
    for g in members {
        if let Some(p) = prev {
            // The same glyph drawn twice (fake bold, shadows) is kept once.
            if p.text == g.text && (g.x0 - p.x0).abs() < 0.15 * g.size {
                continue;
            }
            let gap = g.x0 - p.x1;
            let em = g.size.max(p.size);
            if gap > SEGMENT_GAP * em {
                finish(&mut text, x0, p.x1, &mut out);
                x0 = g.x0;
            } else if gap > SPACE_GAP * em && !text.ends_with(' ') && !g.text.starts_with(' ') {
                text.push(' ');
            }
        } else {
            x0 = g.x0;
        }
        clean(&g.text, &mut text);
        prev = Some(g);
    }
    if let Some(p) = prev {
        finish(&mut text, x0, p.x1, &mut out);
    }
    out
}

/// Puts segments in reading order. Where at least [`MIN_GUTTER_ROWS`] lines show a gap at the
/// same place, the page has columns there: segments left of the gutter are read before those
/// right of it, block by block, where a block ends at a segment that crosses the gutter (a
/// full-width title or paragraph). Each side is searched for further columns.
fn reading_order(mut segments: Vec<Segment>, depth: usize) -> Vec<Segment> {
    segments.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x0.total_cmp(&b.x0)));
    let gutter = if depth < 3 {
        find_gutter(&segments)
    } else {
        None
    };
    let Some(x) = gutter else {
        return merge_rows(segments);
    };
    let mut out = Vec::new();
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for s in segments {
        if s.x1 <= x {
            left.push(s);
        } else if s.x0 >= x {
            right.push(s);
        } else {
            out.extend(reading_order(std::mem::take(&mut left), depth + 1));
            out.extend(reading_order(std::mem::take(&mut right), depth + 1));
            out.push(s);
        }
    }
    out.extend(reading_order(left, depth + 1));
    out.extend(reading_order(right, depth + 1));
    out
}

/// The x position most lines have a wide gap at, if enough do.
fn find_gutter(segments: &[Segment]) -> Option<f32> {
    let mut gaps: Vec<(f32, f32)> = Vec::new();
    for w in segments.windows(2) {
        if (w[0].y - w[1].y).abs() <= 0.45 * w[0].size.max(w[1].size) && w[1].x0 > w[0].x1 {
            gaps.push((w[0].x1, w[1].x0));
        }
    }
    let mut best: Option<(usize, f32)> = None;
    for &(a, b) in &gaps {
        let mid = (a + b) / 2.0;
        let rows = gaps.iter().filter(|(l, r)| *l <= mid && mid <= *r).count();
        if rows >= MIN_GUTTER_ROWS && best.is_none_or(|(n, _)| rows > n) {
            best = Some((rows, mid));
        }
    }
    best.map(|(_, x)| x)
}

/// Segments that share a baseline become one line again (no columns here).
fn merge_rows(segments: Vec<Segment>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for s in segments {
        match out.last_mut() {
            Some(l) if (l.y - s.y).abs() <= 0.45 * l.size.max(s.size) && s.x0 >= l.x1 => {
                l.text.push(' ');
                l.text.push_str(&s.text);
                l.x1 = s.x1;
                l.size = l.size.max(s.size);
            }
            _ => out.push(s),
        }
    }
    out
}

/// Joins laid-out lines: a blank line where the vertical gap says a new paragraph starts, a
/// hyphenated word at a line end put back together.
fn join_lines(lines: &[(f32, f32, String)]) -> String {
    let mut pitches: Vec<f32> = lines
        .windows(2)
        .map(|w| w[0].0 - w[1].0)
        .filter(|d| *d > 0.0)
        .collect();
    pitches.sort_by(|a, b| a.total_cmp(b));
    let typical = pitches.get(pitches.len() / 2).copied().unwrap_or(0.0);
    let mut out = String::new();
    for (i, (y, size, text)) in lines.iter().enumerate() {
        if i > 0 {
            let (py, psize, _) = &lines[i - 1];
            // Moving up the page is the next column: the text goes on, no new paragraph.
            let gap = py - y;
            let para = gap > 1.6 * typical.max(0.8 * psize.max(*size)) + 0.01;
            let ends_hyphen = out.ends_with('-')
                && out[..out.len() - 1]
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_alphabetic());
            let next_lower = text.chars().next().is_some_and(|c| c.is_lowercase());
            if !para && ends_hyphen && next_lower {
                out.pop();
            } else {
                out.push_str(if para { "\n\n" } else { "\n" });
            }
        }
        out.push_str(text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(x0: f32, x1: f32, y: f32, t: &str) -> Glyph {
        Glyph {
            x0,
            x1,
            y,
            size: 10.0,
            dir: 0,
            text: t.to_string(),
        }
    }

    #[test]
    fn kerning_gaps_do_not_split_words_but_real_gaps_do() {
        // "Hello" with a tiny kerning gap between l and l, then a 3-unit gap (0.3 em) before "you".
        let glyphs = vec![
            g(0.0, 5.0, 100.0, "H"),
            g(5.0, 10.0, 100.0, "e"),
            g(10.0, 12.0, 100.0, "l"),
            g(12.4, 14.4, 100.0, "l"),
            g(14.4, 19.0, 100.0, "o"),
            g(22.0, 27.0, 100.0, "y"),
            g(27.0, 32.0, 100.0, "o"),
            g(32.0, 37.0, 100.0, "u"),
        ];
        assert_eq!(layout(&glyphs), "Hello you");
    }

    #[test]
    fn lines_read_top_to_bottom_whatever_the_stream_order() {
        let glyphs = vec![
            g(0.0, 5.0, 80.0, "B"),
            g(0.0, 5.0, 100.0, "A"),
            g(6.0, 9.0, 100.0, "a"),
        ];
        assert_eq!(layout(&glyphs), "Aa\nB");
    }

    #[test]
    fn hyphenated_line_ends_are_joined_and_paragraph_gaps_kept() {
        let glyphs = vec![
            g(0.0, 30.0, 100.0, "knowl-"),
            g(0.0, 20.0, 88.0, "edge"),
            g(0.0, 20.0, 76.0, "base."),
            g(0.0, 20.0, 40.0, "Next"),
        ];
        assert_eq!(layout(&glyphs), "knowledge\nbase.\n\nNext");
    }

    /// Glyphs for `text` on baseline `y` from `x`, 5 units per character, spaces as gaps.
    fn word_glyphs(x: f32, y: f32, text: &str) -> Vec<Glyph> {
        text.chars()
            .enumerate()
            .filter(|(_, c)| *c != ' ')
            .map(|(i, c)| {
                g(
                    x + 5.0 * i as f32,
                    x + 5.0 * i as f32 + 4.0,
                    y,
                    &c.to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn two_columns_are_read_one_after_the_other_under_a_full_width_title() {
        let mut glyphs = word_glyphs(0.0, 200.0, "A title that spans both columns of the page");
        for (i, (l, r)) in [
            ("left one", "right one"),
            ("left two", "right two"),
            ("left three", "right three"),
        ]
        .iter()
        .enumerate()
        {
            let y = 180.0 - 12.0 * i as f32;
            glyphs.extend(word_glyphs(0.0, y, l));
            glyphs.extend(word_glyphs(120.0, y, r));
        }
        assert_eq!(
            layout(&glyphs),
            "A title that spans both columns of the page\n\nleft one\nleft two\nleft three\nright one\nright two\nright three"
        );
    }

    #[test]
    fn a_single_wide_gap_does_not_make_columns() {
        let mut glyphs = word_glyphs(0.0, 100.0, "Name");
        glyphs.extend(word_glyphs(100.0, 100.0, "Value"));
        glyphs.extend(word_glyphs(0.0, 88.0, "Next line of prose"));
        assert_eq!(layout(&glyphs), "Name Value\nNext line of prose");
    }

    #[test]
    fn spacing_accents_set_on_their_letter() {
        assert_eq!(
            compose_accents("Wirtschaftsuniversit\u{A8}at"),
            "Wirtschaftsuniversität"
        );
        assert_eq!(compose_accents("Andr\u{B4}e G\u{B4} ımez"), "André Gímez");
        assert_eq!(compose_accents("\u{2C7}Cesk\u{E1}"), "Česká");
        // Nothing to set it on, or no such letter: left as it stands.
        assert_eq!(compose_accents("x \u{A8}"), "x \u{A8}");
        assert_eq!(compose_accents("\u{A8}5"), "\u{A8}5");
        assert_eq!(compose_accents("plain text"), "plain text");
        assert_eq!(compose_accents("Peter\u{B4}s"), "Peter\u{B4}s");
    }

    #[test]
    fn ligatures_expand_and_doubled_glyphs_collapse() {
        let glyphs = vec![
            g(0.0, 5.0, 10.0, "\u{FB01}"),
            g(0.3, 5.3, 10.0, "\u{FB01}"),
            g(5.0, 9.0, 10.0, "x"),
        ];
        assert_eq!(layout(&glyphs), "fix");
    }
}
