//! `ToUnicode` CMaps: from a font's character codes to the text they stand for.
//!
//! docgraph reads these itself rather than through lopdf, whose parser gives up on a whole map
//! when one entry is outside its grammar: a destination of two UTF-16 code units (a character
//! outside the Basic Multilingual Plane, as PyMuPDF writes for fonts with mathematical or
//! symbol glyphs), a literal string, an odd-length hex string. One such entry then cost every
//! glyph of the page its text, the page read as garbage and, having no image to OCR, as
//! nothing. Here each entry stands or falls alone: what cannot be read is skipped, the rest is
//! kept.
//!
//! The grammar taken (PDF 32000-1:2008, 9.10.3; Adobe Technical Note #5014, 5411):
//! `n beginbfchar <src> <dst> … endbfchar`, `n beginbfrange <lo> <hi> <dst> … endbfrange`
//! and `n beginbfrange <lo> <hi> [<dst> …] … endbfrange`; destinations are UTF-16BE, of one or
//! more code units (a ligature, a surrogate pair). Everything else in the stream (the
//! PostScript around the sections, `codespacerange`, comments) is passed over.

use std::collections::HashMap;

/// Codes a single range may cover: a hostile `<00000000> <FFFFFFFF>` range is not expanded
/// anyway, but lookups into it are clamped to this span.
const MAX_RANGE: u32 = 0x1_0000;

/// One font's map from codes to text.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ToUnicode {
    /// `bfchar` entries and array `bfrange`s, per code.
    chars: HashMap<u32, String>,
    /// `bfrange` entries of the incrementing form: `lo..=hi` map to `dst` with its last code
    /// unit advanced by `code - lo`.
    ranges: Vec<(u32, u32, Vec<u16>)>,
}

impl ToUnicode {
    /// Reads a CMap stream's (decompressed) content. `None` when it maps nothing.
    pub fn parse(content: &[u8]) -> Option<ToUnicode> {
        let tokens = tokens(content);
        let mut map = ToUnicode::default();
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                Token::Word(w) if w == b"beginbfchar" => {
                    i += 1;
                    while i + 1 < tokens.len() && !tokens[i].is_word(b"endbfchar") {
                        if let (Token::Hex(src), Some(dst)) = (&tokens[i], tokens[i + 1].text()) {
                            if let Some(code) = code_of(src) {
                                map.chars.insert(code, dst);
                            }
                            i += 2;
                        } else {
                            i += 1; // skip what is not a pair and resynchronise
                        }
                    }
                }
                Token::Word(w) if w == b"beginbfrange" => {
                    i += 1;
                    while i + 2 < tokens.len() && !tokens[i].is_word(b"endbfrange") {
                        let (Token::Hex(lo), Token::Hex(hi)) = (&tokens[i], &tokens[i + 1]) else {
                            i += 1;
                            continue;
                        };
                        let (Some(lo), Some(hi)) = (code_of(lo), code_of(hi)) else {
                            i += 3;
                            continue;
                        };
                        match &tokens[i + 2] {
                            Token::Hex(dst) if hi >= lo => {
                                let units = utf16_units(dst);
                                if !units.is_empty() {
                                    map.ranges.push((lo, hi.min(lo + MAX_RANGE - 1), units));
                                }
                            }
                            Token::Array(items) if hi >= lo => {
                                for (k, item) in items.iter().enumerate() {
                                    let code = lo + k as u32;
                                    if code > hi {
                                        break;
                                    }
                                    if let Some(text) = item.text() {
                                        map.chars.insert(code, text);
                                    }
                                }
                            }
                            _ => {}
                        }
                        i += 3;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        (!map.chars.is_empty() || !map.ranges.is_empty()).then_some(map)
    }

    /// The text of `code`, if the map has it.
    pub fn get(&self, code: u32) -> Option<String> {
        if let Some(s) = self.chars.get(&code) {
            return Some(s.clone());
        }
        // Later entries win, as a later definition in the stream does for `chars`.
        self.ranges
            .iter()
            .rev()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&code))
            .map(|(lo, _, dst)| {
                let mut units = dst.clone();
                if let Some(last) = units.last_mut() {
                    *last = last.wrapping_add((code - lo) as u16);
                }
                decode(&units)
            })
    }
}

/// A token of a CMap stream.
#[derive(Debug, PartialEq)]
enum Token {
    Hex(Vec<u8>),
    Literal(Vec<u8>),
    Array(Vec<Token>),
    Word(Vec<u8>),
}

impl Token {
    fn is_word(&self, w: &[u8]) -> bool {
        matches!(self, Token::Word(x) if x == w)
    }

    /// The text a destination string stands for.
    fn text(&self) -> Option<String> {
        match self {
            Token::Hex(b) | Token::Literal(b) => {
                let units = utf16_units(b);
                (!units.is_empty()).then(|| decode(&units))
            }
            _ => None,
        }
    }
}

/// A source code: its bytes big-endian (at most four).
fn code_of(bytes: &[u8]) -> Option<u32> {
    (!bytes.is_empty() && bytes.len() <= 4)
        .then(|| bytes.iter().fold(0u32, |acc, b| acc << 8 | *b as u32))
}

/// A destination's UTF-16BE code units; a single byte is taken as a code unit of its own.
fn utf16_units(bytes: &[u8]) -> Vec<u16> {
    if bytes.len() == 1 {
        return vec![bytes[0] as u16];
    }
    bytes
        .chunks(2)
        .map(|c| match c {
            [a, b] => u16::from_be_bytes([*a, *b]),
            [a] => *a as u16,
            _ => unreachable!(),
        })
        .collect()
}

/// Code units to text; an unpaired surrogate is dropped rather than made a replacement mark.
fn decode(units: &[u16]) -> String {
    char::decode_utf16(units.iter().copied())
        .filter_map(|r| r.ok())
        .collect()
}

/// The stream's tokens (comments dropped). Arrays nest one level, which is all CMaps use.
fn tokens(s: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut stack: Vec<Vec<Token>> = Vec::new();
    let mut i = 0;
    let push = |t: Token, out: &mut Vec<Token>, stack: &mut Vec<Vec<Token>>| match stack.last_mut()
    {
        Some(inner) => inner.push(t),
        None => out.push(t),
    };
    while i < s.len() {
        let c = s[i];
        match c {
            b'%' => {
                while i < s.len() && s[i] != b'\n' && s[i] != b'\r' {
                    i += 1;
                }
            }
            b'<' if s.get(i + 1) == Some(&b'<') => {
                i += 2; // a dictionary opens: its contents are tokens like any other
                continue;
            }
            b'>' if s.get(i + 1) == Some(&b'>') => {
                i += 2;
                continue;
            }
            b'<' => {
                let mut digits = Vec::new();
                i += 1;
                while i < s.len() && s[i] != b'>' {
                    if s[i].is_ascii_hexdigit() {
                        digits.push(s[i]);
                    }
                    i += 1;
                }
                if digits.len() % 2 == 1 {
                    digits.push(b'0'); // PDF: a missing final digit is 0
                }
                let bytes = digits
                    .chunks(2)
                    .map(|d| (hex(d[0]) << 4) | hex(d[1]))
                    .collect();
                push(Token::Hex(bytes), &mut out, &mut stack);
            }
            b'(' => {
                let (bytes, next) = literal(s, i + 1);
                i = next;
                push(Token::Literal(bytes), &mut out, &mut stack);
                continue;
            }
            b'[' => stack.push(Vec::new()),
            b']' => {
                if let Some(items) = stack.pop() {
                    push(Token::Array(items), &mut out, &mut stack);
                }
            }
            c if c.is_ascii_whitespace() || c == 0 => {}
            _ => {
                let start = i;
                while i < s.len() && !b"%<>()[]/ \t\r\n\x0c\0".contains(&s[i]) {
                    i += 1;
                }
                if i == start {
                    i += 1; // a lone '/' starts a name: its letters come as the next word
                } else {
                    push(Token::Word(s[start..i].to_vec()), &mut out, &mut stack);
                }
                continue;
            }
        }
        i += 1;
    }
    out
}

fn hex(d: u8) -> u8 {
    (d as char).to_digit(16).unwrap_or(0) as u8
}

/// A literal string from just after its `(`: its bytes and the position after its `)`.
fn literal(s: &[u8], mut i: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut depth = 1;
    while i < s.len() {
        match s[i] {
            b'\\' if i + 1 < s.len() => {
                i += 1;
                match s[i] {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    d @ b'0'..=b'7' => {
                        let mut v = (d - b'0') as u32;
                        let mut n = 1;
                        while n < 3 && i + 1 < s.len() && (b'0'..=b'7').contains(&s[i + 1]) {
                            i += 1;
                            v = v * 8 + (s[i] - b'0') as u32;
                            n += 1;
                        }
                        out.push(v as u8);
                    }
                    other => out.push(other),
                }
            }
            b'(' => {
                depth += 1;
                out.push(b'(');
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return (out, i + 1);
                }
                out.push(b')');
            }
            b => out.push(b),
        }
        i += 1;
    }
    (out, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CMap as PyMuPDF writes it for a font with a symbol outside the BMP: one destination
    /// of two code units among ordinary ones.
    const WITH_SURROGATES: &[u8] =
        b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n\
3 beginbfchar\n<0003> <0020>\n<0024> <0041>\n<0107> <D835DC00>\nendbfchar\n\
2 beginbfrange\n<0044> <0046> <0061>\n<0050> <0051> [<00660069> <00660066>]\nendbfrange\n\
endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";

    #[test]
    fn a_destination_outside_the_bmp_keeps_the_whole_map() {
        let m = ToUnicode::parse(WITH_SURROGATES).unwrap();
        assert_eq!(m.get(0x0003).as_deref(), Some(" "));
        assert_eq!(m.get(0x0024).as_deref(), Some("A"));
        assert_eq!(m.get(0x0107).as_deref(), Some("\u{1D400}"));
        assert_eq!(m.get(0x0044).as_deref(), Some("a"));
        assert_eq!(m.get(0x0046).as_deref(), Some("c"));
        assert_eq!(m.get(0x0047), None);
        assert_eq!(m.get(0x0050).as_deref(), Some("fi"));
        assert_eq!(m.get(0x0051).as_deref(), Some("ff"));
    }

    #[test]
    fn entries_outside_the_grammar_are_skipped_one_by_one() {
        let cmap = b"2 beginbfchar\n<01> (x)\n<02> <0042>\n<03> oops\n<04> <004\n3>\nendbfchar\n\
1 beginbfrange\n<10> <0F> <0041>\n<20> <21> <0061>\nendbfrange";
        let m = ToUnicode::parse(cmap).unwrap();
        assert_eq!(m.get(1).as_deref(), Some("x"));
        assert_eq!(m.get(2).as_deref(), Some("B"));
        assert_eq!(
            m.get(4).as_deref(),
            Some("C"),
            "white space inside hex digits"
        );
        assert_eq!(m.get(0x10), None, "an inverted range maps nothing");
        assert_eq!(m.get(0x21).as_deref(), Some("b"));
        // An unpaired surrogate decodes to nothing rather than a replacement mark.
        let lone = ToUnicode::parse(b"1 beginbfchar <05> <D835> endbfchar").unwrap();
        assert_eq!(lone.get(5).as_deref(), Some(""));
    }

    #[test]
    fn nothing_mapped_is_none_and_hostile_ranges_stay_bounded() {
        assert_eq!(ToUnicode::parse(b"begincmap endcmap"), None);
        assert_eq!(ToUnicode::parse(b""), None);
        let huge =
            ToUnicode::parse(b"1 beginbfrange <00000000> <FFFFFFFF> <0041> endbfrange").unwrap();
        assert_eq!(huge.get(0).as_deref(), Some("A"));
        assert_eq!(huge.get(0xFFFF_FFFF), None);
    }
}
