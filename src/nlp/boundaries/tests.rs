//! The rules of whole names on hand-labelled words.

use super::*;

/// Words of `text` split at spaces and before/after punctuation, labelled as `labels`
/// says (one label per word, in order). The model's words are cut the same way.
fn words(text: &str, labels: &[&str]) -> Vec<TaggedWord> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' {
            i += 1;
            continue;
        }
        let start = i;
        if chars[i].is_alphanumeric() {
            while i < chars.len() && chars[i].is_alphanumeric() {
                i += 1;
            }
        } else {
            i += 1;
        }
        out.push((start, i));
    }
    assert_eq!(out.len(), labels.len(), "{text}: {out:?}");
    out.into_iter()
        .zip(labels)
        .map(|((start, end), label)| TaggedWord {
            start,
            end,
            label: label.to_string(),
            score: 0.9,
        })
        .collect()
}

/// The names found in `text` labelled `labels`, as text and type.
pub(super) fn names(text: &str, labels: &[&str]) -> Vec<(String, EntityType)> {
    let ws = words(text, labels);
    let spans = super::super::entities::merge_bio(&ws);
    let chars: Vec<char> = text.chars().collect();
    whole_names(spans, &ws, text)
        .into_iter()
        .map(|s| (chars[s.start..s.end].iter().collect(), s.entity_type))
        .collect()
}

use EntityType::*;

#[test]
fn a_licence_or_a_law_keeps_its_head_word() {
    assert_eq!(
        names(
            "It is under the GNU Free Documentation License now",
            &["O", "O", "O", "O", "B-MISC", "I-MISC", "O", "O", "O"]
        ),
        vec![("GNU Free Documentation License".into(), MISC)]
    );
    assert_eq!(
        names(
            "Read the GNU General Public License too",
            &["O", "O", "B-MISC", "B-MISC", "I-MISC", "O", "O"]
        ),
        // The model started the name again at "General": one name all the same.
        vec![("GNU General Public License".into(), MISC)]
    );
    // Not over a word another name holds, nor more than two words to the head.
    assert_eq!(
        names("Acme Big Red Blue Act", &["B-ORG", "O", "O", "O", "O"]),
        vec![("Acme".into(), ORG)]
    );
}

#[test]
fn a_name_goes_on_where_the_text_glues_on_a_dot_and_digits() {
    assert_eq!(
        names(
            "The ASN.1 module and Node.js run.",
            &["O", "B-ORG", "O", "O", "O", "O", "B-MISC", "O", "O", "O", "O"]
        ),
        vec![("ASN.1".into(), ORG), ("Node.js".into(), MISC)]
    );
    // Two sentences run together, or a sentence's end: the name stops at the dot.
    assert_eq!(
        names(
            "Ann Lee.The rest went to Acme.",
            &["B-PER", "I-PER", "O", "O", "O", "O", "O", "B-ORG", "O"]
        ),
        vec![("Ann Lee".into(), PER), ("Acme".into(), ORG)]
    );
    assert_eq!(
        names("See A.1 below", &["O", "B-MISC", "O", "O", "O"]),
        vec![("A".into(), MISC)]
    );
}

#[test]
fn head_words_stay_with_their_name_and_give_it_its_type() {
    assert_eq!(
        names(
            "They met at the Pergamon Museum today",
            &["O", "O", "O", "O", "B-LOC", "O", "O"]
        ),
        vec![("Pergamon Museum".into(), ORG)]
    );
    assert_eq!(
        names(
            "Trains stop at Shinagawa Station and Mitte District",
            &["O", "O", "O", "B-ORG", "O", "O", "B-PER", "O"]
        ),
        vec![
            ("Shinagawa Station".into(), LOC),
            ("Mitte District".into(), LOC)
        ]
    );
    // "Museum of Modern Art": head word, "of" and the name after it.
    assert_eq!(
        names(
            "the Metropolitan Museum of Modern Art opened",
            &["O", "B-ORG", "O", "O", "O", "O", "O"]
        ),
        vec![("Metropolitan Museum of Modern Art".into(), ORG)]
    );
    // A lowercase head word is not part of the name.
    assert_eq!(
        names("the Berlin museum is", &["O", "B-LOC", "O", "O"]),
        vec![("Berlin".into(), LOC)]
    );
}

#[test]
fn lead_words_of_places_and_designators_are_taken() {
    assert_eq!(
        names(
            "He lives in Lower Saxony now",
            &["O", "O", "O", "O", "B-LOC", "O"]
        ),
        vec![("Lower Saxony".into(), LOC)]
    );
    assert_eq!(
        names(
            "She studied at the Technical University of Munich",
            &["O", "O", "O", "O", "O", "O", "O", "B-LOC"]
        ),
        vec![("Technical University of Munich".into(), ORG)]
    );
    assert_eq!(
        names("The Bank of England said", &["O", "O", "O", "B-LOC", "O"]),
        vec![("Bank of England".into(), ORG)]
    );
    // A title is not a designator, and a prefix goes only with a place.
    assert_eq!(
        names(
            "the President of France and North Siemens",
            &["O", "O", "O", "B-LOC", "O", "O", "B-ORG"]
        ),
        vec![("France".into(), LOC), ("Siemens".into(), ORG)]
    );
}

#[test]
fn persons_cut_at_initials_and_particles_are_joined() {
    assert_eq!(
        names(
            "Michael D. Higgins spoke",
            &["B-PER", "I-PER", "I-PER", "B-PER", "O"]
        ),
        vec![("Michael D. Higgins".into(), PER)]
    );
    assert_eq!(
        names(
            "Michael D. Higgins spoke",
            &["B-PER", "O", "O", "B-PER", "O"]
        ),
        vec![("Michael D. Higgins".into(), PER)]
    );
    assert_eq!(
        names(
            "Ursula von der Leyen praised",
            &["B-PER", "O", "O", "B-PER", "O"]
        ),
        vec![("Ursula von der Leyen".into(), PER)]
    );
    assert_eq!(
        names(
            "a portrait by Leonardo da Vinci hangs",
            &["O", "O", "O", "B-PER", "O", "O", "O"]
        ),
        vec![("Leonardo da Vinci".into(), PER)]
    );
    // A one-word person (a first name, a title) and the person right after it.
    assert_eq!(
        names("Yisrael Tal said", &["B-PER", "B-PER", "O"]),
        vec![("Yisrael Tal".into(), PER)]
    );
    assert_eq!(
        names(
            "Dr. Lee DeForest said",
            &["B-PER", "I-PER", "B-PER", "I-PER", "O"]
        ),
        vec![("Dr. Lee DeForest".into(), PER)]
    );
    // Two people side by side with a word between stay two.
    assert_eq!(
        names("Smith and Jones met", &["B-PER", "O", "B-PER", "O"]),
        vec![("Smith".into(), PER), ("Jones".into(), PER)]
    );
    // An initial is joined only to a person.
    assert_eq!(
        names("Siemens A. Berlin", &["B-ORG", "O", "O", "B-LOC"]),
        vec![("Siemens".into(), ORG), ("Berlin".into(), LOC)]
    );
}

#[test]
fn hyphenated_names_are_one_name() {
    assert_eq!(
        names("in Baden-Württemberg today", &["O", "B-LOC", "O", "O", "O"]),
        vec![("Baden-Württemberg".into(), LOC)]
    );
    assert_eq!(
        names("in Baden-Württemberg today", &["O", "O", "O", "B-LOC", "O"]),
        vec![("Baden-Württemberg".into(), LOC)]
    );
    assert_eq!(
        names("a Rolls-Royce engine", &["O", "B-ORG", "O", "B-PER", "O"]),
        vec![("Rolls-Royce".into(), ORG)]
    );
    // A lowercase word after the hyphen is not a name ("Paris-based").
    assert_eq!(
        names("a Paris-based firm", &["O", "B-LOC", "O", "O", "O"]),
        vec![("Paris".into(), LOC)]
    );
}

#[test]
fn a_persons_surname_is_not_a_head_word() {
    assert_eq!(
        names("Susan Park said", &["B-PER", "O", "O"]),
        vec![("Susan".into(), PER)]
    );
    assert_eq!(
        names("David Park said", &["B-PER", "I-PER", "O"]),
        vec![("David Park".into(), PER)]
    );
    // A person's name before an organisation's head word is the organisation's.
    assert_eq!(
        names("at Stanford University today", &["O", "B-PER", "O", "O"]),
        vec![("Stanford University".into(), ORG)]
    );
}

#[test]
fn extensions_never_swallow_a_neighbouring_name() {
    // "Louvre Museum" is a name of its own here: left alone. (A head word alone is no
    // name, and goes on the name before it: "Berlin" + "Museum" is one.)
    assert_eq!(
        names("Paris Louvre Museum", &["B-LOC", "B-ORG", "I-ORG"]),
        vec![("Paris".into(), LOC), ("Louvre Museum".into(), ORG)]
    );
    assert_eq!(
        names("Berlin Museum", &["B-LOC", "B-ORG"]),
        vec![("Berlin Museum".into(), ORG)]
    );
}

/// The character spans of the names in `text` whose model words are given by hand (where
/// `words` would cut them otherwise: "Saint-Gall" as "Saint" + "-Gall").
fn spans_of(text: &str, tagged: &[(usize, usize, &str)]) -> Vec<(usize, usize)> {
    let ws: Vec<TaggedWord> = tagged
        .iter()
        .map(|&(start, end, label)| TaggedWord {
            start,
            end,
            label: label.to_string(),
            score: 0.9,
        })
        .collect();
    let spans = super::super::entities::merge_bio(&ws);
    whole_names(spans, &ws, text)
        .iter()
        .map(|s| (s.start, s.end))
        .collect()
}

#[test]
fn a_name_cut_where_a_word_goes_on_is_joined() {
    // The model's second half opens on the hyphen or the stop, touching the first.
    let saint = [
        (0, 5, "B-LOC"),
        (5, 6, "B-ORG"),
        (6, 10, "I-ORG"),
        (11, 15, "O"),
        (16, 20, "O"),
    ];
    assert_eq!(spans_of("Saint-Gall lies east", &saint), vec![(0, 10)]);
    let calico = [
        (0, 2, "B-PER"),
        (2, 3, "B-PER"),
        (4, 10, "I-PER"),
        (11, 15, "O"),
    ];
    assert_eq!(spans_of("Ms. Calico said", &calico), vec![(0, 10)]);
}

#[test]
fn an_abbreviated_last_word_keeps_its_stop() {
    let text = "Ferraro of Bethany, Conn. was shot";
    let ws = words(text, &["B-PER", "O", "B-LOC", "O", "B-LOC", "O", "O", "O"]);
    let spans = super::super::entities::merge_bio(&ws);
    let chars: Vec<char> = text.chars().collect();
    let got: Vec<String> = whole_names(spans, &ws, text)
        .iter()
        .map(|s| chars[s.start..s.end].iter().collect())
        .collect();
    assert_eq!(got, ["Ferraro", "Bethany", "Conn."]);
    // Not any word before a stop: the end of a sentence is not the name's.
    assert_eq!(
        names("He lives in Texas .", &["O", "O", "O", "B-LOC", "O"]),
        vec![("Texas".into(), LOC)]
    );
    assert_eq!(
        names(
            "Drexel Burnham Lambert Inc. said",
            &["B-ORG", "I-ORG", "I-ORG", "I-ORG", "O", "O"]
        ),
        vec![("Drexel Burnham Lambert Inc.".into(), ORG)]
    );
}

#[test]
fn a_persons_name_never_ends_on_a_word_in_lower_case() {
    assert_eq!(
        names(
            "Bruce first became interested",
            &["B-PER", "I-PER", "O", "O"]
        ),
        vec![("Bruce".into(), PER)]
    );
    assert_eq!(
        names(
            "Gerd van der Berg came",
            &["B-PER", "I-PER", "I-PER", "I-PER", "O"]
        ),
        vec![("Gerd van der Berg".into(), PER)]
    );
    assert_eq!(
        names("in the Western hemisphere", &["O", "O", "B-LOC", "I-LOC"]),
        vec![("Western hemisphere".into(), LOC)]
    );
}

#[test]
fn a_companys_legal_name_takes_its_words_before() {
    assert_eq!(
        names(
            "to create Software in the Public Interest , Inc today",
            &["O", "O", "O", "O", "O", "O", "B-ORG", "I-ORG", "I-ORG", "O"]
        ),
        vec![("Software in the Public Interest , Inc".into(), ORG)]
    );
    assert_eq!(
        names(
            "Acme met Nordwind in the Gulf , Inc . today",
            &["B-ORG", "O", "B-ORG", "O", "O", "B-ORG", "I-ORG", "I-ORG", "I-ORG", "O"]
        ),
        vec![
            ("Acme".into(), ORG),
            ("Nordwind".into(), ORG),
            ("Gulf , Inc .".into(), ORG)
        ]
    );
}

#[test]
fn a_name_does_not_start_or_end_on_a_function_word_or_stray_punctuation() {
    assert_eq!(
        names(
            "at the University of Connecticut today",
            &["O", "O", "O", "I-LOC", "I-LOC", "O"]
        ),
        vec![("University of Connecticut".into(), ORG)]
    );
    assert_eq!(
        names(
            "the Jones Act of 1920 said",
            &["O", "B-MISC", "I-MISC", "I-MISC", "O", "O"]
        ),
        vec![("Jones Act".into(), MISC)]
    );
    assert_eq!(
        names("Peter or Paul came", &["B-PER", "I-PER", "B-PER", "O"]),
        vec![("Peter".into(), PER), ("Paul".into(), PER)]
    );
    assert_eq!(
        names("said . Hutchinson today", &["O", "B-PER", "I-PER", "O"]),
        vec![("Hutchinson".into(), PER)]
    );
    assert_eq!(
        names(
            "the People's Republic of China",
            &["O", "O", "B-LOC", "I-LOC", "I-LOC", "I-LOC", "I-LOC"]
        ),
        vec![("People's Republic of China".into(), LOC)]
    );
    // Nor does a place or an organisation of two words or more start on a lower-case word.
    assert_eq!(
        names(
            "the department of Solola",
            &["O", "B-LOC", "I-LOC", "I-LOC"]
        ),
        vec![("Solola".into(), LOC)]
    );
    assert_eq!(
        names("the state Supreme Court", &["O", "B-ORG", "I-ORG", "I-ORG"]),
        vec![("Supreme Court".into(), ORG)]
    );
    // An organisation of one word left is no name of its own: the model cut it.
    assert_eq!(
        names("the board of Software", &["O", "B-ORG", "I-ORG", "I-ORG"]),
        vec![("board of Software".into(), ORG)]
    );
    assert_eq!(
        names("in western New York", &["O", "B-LOC", "I-LOC", "I-LOC"]),
        vec![("New York".into(), LOC)]
    );
    // A particle starts a person's name; "of" before a capital leads on.
    assert_eq!(
        names("painted by van Gogh in", &["O", "O", "B-PER", "I-PER", "O"]),
        vec![("van Gogh".into(), PER)]
    );
    assert_eq!(
        names(
            "the United States of America",
            &["O", "B-LOC", "I-LOC", "I-LOC", "B-LOC"]
        ),
        vec![("United States of America".into(), LOC)]
    );
}

#[test]
fn a_name_the_model_started_again_is_one_name() {
    assert_eq!(
        names("in Latin America and", &["O", "B-MISC", "B-LOC", "O"]),
        vec![("Latin America".into(), LOC)]
    );
    assert_eq!(
        names("the Old Whigs said", &["O", "B-MISC", "B-MISC", "O"]),
        vec![("Old Whigs".into(), MISC)]
    );
    // Persons and a nationality before a person stay apart.
    assert_eq!(
        names(
            "the Brazilian Ronaldo scored",
            &["O", "B-MISC", "B-PER", "O"]
        ),
        vec![("Brazilian".into(), MISC), ("Ronaldo".into(), PER)]
    );
}

#[test]
fn a_head_word_alone_takes_the_capitalised_words_before_it() {
    assert_eq!(
        names("a Defense Ministry spokesman", &["O", "O", "B-ORG", "O"]),
        vec![("Defense Ministry".into(), ORG)]
    );
    assert_eq!(
        names(
            "the Israeli Air Force said",
            &["O", "B-MISC", "O", "B-ORG", "O"]
        ),
        vec![("Israeli Air Force".into(), ORG)]
    );
    // Not the sentence's first word, not a function word.
    assert_eq!(
        names("Yesterday Ministry officials", &["O", "B-ORG", "O"]),
        vec![("Ministry".into(), ORG)]
    );
}

#[test]
fn a_saints_abbreviation_inside_a_place_goes_on() {
    assert_eq!(
        names(
            "in Fort St. John today",
            &["O", "B-LOC", "I-LOC", "O", "O", "O"]
        ),
        vec![("Fort St. John".into(), LOC)]
    );
    assert_eq!(
        names(
            "the Republic of Kazakhstan said",
            &["O", "B-LOC", "O", "O", "O"]
        ),
        vec![("Republic of Kazakhstan".into(), LOC)]
    );
}

#[test]
fn an_abbreviated_title_alone_is_no_one() {
    assert_eq!(
        names(
            "Sen. Jake Garn flew",
            &["B-PER", "O", "B-PER", "I-PER", "O"]
        ),
        vec![("Jake Garn".into(), PER)]
    );
    // Joined to the name right after it, it stays.
    assert_eq!(
        names("Dr. Lee DeForest", &["B-PER", "I-PER", "B-PER", "I-PER"]),
        vec![("Dr. Lee DeForest".into(), PER)]
    );
    // Without a stop it can be a surname ("Amartya Sen", "Sen said").
    assert_eq!(
        names("Sen said", &["B-PER", "O"]),
        vec![("Sen".into(), PER)]
    );
}

#[test]
fn a_head_word_or_a_persons_continuation_goes_on_the_name_before() {
    assert_eq!(
        names(
            "says former Air Force commander",
            &["O", "O", "B-ORG", "B-MISC", "O"]
        ),
        vec![("Air Force".into(), ORG)]
    );
    assert_eq!(
        names(
            "all at the Savannah River Plant , in Aiken",
            &["O", "O", "O", "B-LOC", "I-LOC", "O", "O", "O", "B-LOC"]
        ),
        vec![("Savannah River Plant".into(), LOC), ("Aiken".into(), LOC)]
    );
    assert_eq!(
        names("Yisrael Tal , one of", &["B-LOC", "I-PER", "O", "O", "O"]),
        vec![("Yisrael Tal".into(), PER)]
    );
    // A person the model started anew after a place is another name.
    assert_eq!(
        names("In Israel Rabin said", &["O", "B-LOC", "B-PER", "O"]),
        vec![("Israel".into(), LOC), ("Rabin".into(), PER)]
    );
}

#[test]
fn quotes_and_backticks_are_no_part_of_a_name() {
    assert_eq!(
        names(
            "assassin James Earl Ray `` would",
            &["O", "B-PER", "I-PER", "I-PER", "I-PER", "O", "O"]
        ),
        vec![("James Earl Ray".into(), PER)]
    );
}

#[test]
fn a_units_ordinal_and_the_first_words_of_a_name_ending_in_a_head_word_are_taken() {
    assert_eq!(
        names(
            "troops of the 12th Brigade in Botoa",
            &["O", "O", "O", "O", "B-ORG", "O", "B-LOC"]
        ),
        vec![("12th Brigade".into(), ORG), ("Botoa".into(), LOC)]
    );
    assert_eq!(
        names(
            "said the Global Greenhouse Network today",
            &["O", "O", "O", "B-ORG", "I-ORG", "O"]
        ),
        vec![("Global Greenhouse Network".into(), ORG)]
    );
    // Two words at most, once, and never the sentence's first.
    assert_eq!(
        names(
            "Yesterday Big Red Blue Green Network won",
            &["O", "O", "O", "O", "B-ORG", "I-ORG", "O"]
        ),
        vec![("Red Blue Green Network".into(), ORG)]
    );
}
