//! Is a page's extracted text real text, or should the page go to OCR?
//!
//! Three ways extracted text fails in practice: there is none (a scan), there is almost none
//! (a page number over a scanned image), or it decodes to garbage because the font's encoding or
//! `ToUnicode` map is wrong or missing: the classic "ciphertext" where every glyph comes out as
//! another letter, or runs of symbols and private-use code points. The checks below are cheap
//! statistics on the characters and words; each verdict says why, for the report.

use serde::Serialize;

/// What the extracted text of a page is good for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "snake_case")]
pub enum TextVerdict {
    /// Real text: use it.
    Usable,
    /// No text layer, or too little to be the page's content.
    NoText,
    /// Text that decodes to something unreadable; the reason says which test failed.
    Garbage(String),
}

/// Fewer letters and digits than this and the page counts as having no text layer.
pub const MIN_ALNUM: usize = 16;

/// Short function words of English and the commonest European languages. Real prose is full of
/// them (40% of English words); text decoded with the wrong encoding has almost none.
pub(crate) const FUNCTION_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "are", "as", "at", "be", "been", "but",
    "by", "can", "for", "from", "had", "has", "have", "he", "her", "his", "if", "in", "into", "is",
    "it", "its", "more", "no", "not", "of", "on", "one", "or", "our", "she", "so", "than", "that",
    "the", "their", "them", "there", "they", "this", "to", "up", "was", "we", "were", "what",
    "when", "which", "who", "will", "with", "would", "you", "der", "die", "das", "und", "ist",
    "nicht", "den", "mit", "von", "zu", "ein", "eine", "le", "la", "les", "et", "des", "du", "est",
    "un", "une", "pour", "dans", "el", "los", "las", "y", "que", "en", "por", "con", "il", "di",
    "che", "per", "het", "een", "van", "de", "op",
];

/// Judges a page's extracted text.
pub fn assess(text: &str) -> TextVerdict {
    let mut alnum = 0usize;
    let mut visible = 0usize;
    let mut odd = 0usize;
    for c in text.chars() {
        if c.is_whitespace() {
            continue;
        }
        visible += 1;
        if c.is_alphanumeric() {
            alnum += 1;
        } else if !is_common_punctuation(c) {
            odd += 1;
        }
        if matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{FFFD}') || c.is_control() {
            odd += 1;
        }
    }
    if alnum < MIN_ALNUM {
        return TextVerdict::NoText;
    }
    if odd * 4 > visible {
        return TextVerdict::Garbage(format!(
            "{:.0}% of the characters are symbols or undecodable",
            100.0 * odd as f64 / visible as f64
        ));
    }
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic()).to_lowercase())
        .filter(|w| w.chars().count() >= 1 && w.chars().all(|c| c.is_alphabetic()))
        .collect();
    if words.len() < 12 {
        // Too few words to judge the language: trust it.
        return TextVerdict::Usable;
    }
    let function = words
        .iter()
        .filter(|w| FUNCTION_WORDS.contains(&w.as_str()))
        .count();
    let with_vowel = words
        .iter()
        .filter(|w| {
            w.chars()
                .any(|c| "aeiouyäöüàâéèêëîïôûùáíóúñ".contains(c) || !c.is_ascii())
        })
        .count();
    let lowercase_initial = words.iter().filter(|w| original_lowercase(text, w)).count();
    let function_share = function as f64 / words.len() as f64;
    let vowel_share = with_vowel as f64 / words.len() as f64;
    let lower_share = lowercase_initial as f64 / words.len() as f64;
    // Prose is 30-50% function words; shifted text hits one only by accident ("to" shifted by
    // one is "up"). A list of names has few as well, but its words are capitalised and carry
    // vowels, where shifted text is mostly lowercase words or vowel-poor.
    if function_share < 0.08 && (vowel_share < 0.8 || lower_share > 0.5) {
        return TextVerdict::Garbage(format!(
            "does not read as language: {:.0}% function words, {:.0}% of words with a vowel",
            100.0 * function_share,
            100.0 * vowel_share
        ));
    }
    TextVerdict::Usable
}

/// Does `word` (lowercased) stand in `text` starting with a lowercase letter?
fn original_lowercase(text: &str, word: &str) -> bool {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic()))
        .find(|w| w.to_lowercase() == word)
        .and_then(|w| w.chars().next())
        .is_some_and(char::is_lowercase)
}

fn is_common_punctuation(c: char) -> bool {
    ".,;:!?'\"()[]{}-–—/\\%&$€£@#*+=<>‘’“”«»…•·°§_|~^`".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_is_usable() {
        let t = "Angela Merkel visited Paris with Siemens executives. The talks were about trade \
                 and the future of the European steel industry.";
        assert_eq!(assess(t), TextVerdict::Usable);
    }

    #[test]
    fn a_page_number_alone_is_no_text() {
        assert_eq!(assess("  12 \n"), TextVerdict::NoText);
        assert_eq!(assess(""), TextVerdict::NoText);
    }

    #[test]
    fn shifted_ciphertext_is_garbage() {
        // The same kind of sentence with every letter moved three places: what a font with a
        // wrong ToUnicode map produces.
        let shifted: String = "Angela Merkel visited Paris with Siemens executives. The talks were about trade and the future of the European steel industry."
            .chars()
            .map(|c| if c.is_ascii_lowercase() { (((c as u8 - b'a' + 3) % 26) + b'a') as char } else { c })
            .collect();
        assert!(
            matches!(assess(&shifted), TextVerdict::Garbage(_)),
            "{shifted}"
        );
    }

    #[test]
    fn shifted_text_with_many_vowels_is_still_garbage() {
        // Shifting by one letter turns many consonants into vowels (d→e, h→i, n→o, t→u).
        let shifted: String = "Volkswagen tested electric buses in Wolfsburg and the engineers from the company met in Stuttgart to discuss the results with the board."
            .chars()
            .map(|c| if c.is_ascii_lowercase() { (((c as u8 - b'a' + 1) % 26) + b'a') as char } else { c })
            .collect();
        assert!(
            matches!(assess(&shifted), TextVerdict::Garbage(_)),
            "{shifted}"
        );
    }

    #[test]
    fn symbol_soup_is_garbage() {
        let soup = "\u{E001}\u{E002}\u{E003} #$%^ \u{FFFD}\u{FFFD} abcdefghijklmnopqrstuvwxyz \u{E010}\u{E011}\u{E012}\u{E013}\u{E014}\u{E015}\u{E016}\u{E017}\u{E018}";
        assert!(matches!(assess(soup), TextVerdict::Garbage(_)));
    }

    #[test]
    fn a_list_of_names_is_still_usable() {
        let names = "Alice Johnson Robert Brown Maria Garcia Wei Chen Olivia Martin Lucas Weber \
                     Emma Rossi Noah Dubois Sofia Novak";
        assert_eq!(assess(names), TextVerdict::Usable);
    }
}
