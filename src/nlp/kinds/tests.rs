use super::*;
use TextKind::*;

#[test]
fn lines_that_open_or_close_many_pages_are_running_headers_and_footers() {
    let pages: Vec<String> = (1..=6)
        .map(|i| {
            format!(
                "The Medici Bank, chapter {i}\nLorenzo met the pope in Rome on day {i}.\nHe left.\n\n{}",
                10 + i
            )
        })
        .collect();
    let pages: Vec<&str> = pages.iter().map(String::as_str).collect();
    let running = running_lines(&pages);
    for (page, ranges) in pages.iter().zip(&running) {
        let texts: Vec<String> = ranges
            .iter()
            .map(|r| page.chars().skip(r.start).take(r.len()).collect())
            .collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(texts[0].starts_with("The Medici Bank, chapter"));
        assert!(texts[1].trim().parse::<u32>().is_ok());
    }
    // A page's only line is neither header nor footer, however many pages repeat it.
    let alone: Vec<String> = (1..=6)
        .map(|i| format!("On day {i}, Ann met Bo."))
        .collect();
    let alone: Vec<&str> = alone.iter().map(String::as_str).collect();
    assert!(running_lines(&alone).iter().all(Vec::is_empty));
    // Two pages are too few; a line on one page in five is not running.
    assert!(running_lines(&pages[..2]).iter().all(Vec::is_empty));
    let words = [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    ];
    let others: Vec<String> = words
        .iter()
        .map(|w| format!("On {w} we wrote.\nThe {w} ends."))
        .collect();
    let mut mixed: Vec<&str> = pages[..3].to_vec();
    mixed.extend(others.iter().map(String::as_str));
    assert!(running_lines(&mixed).iter().all(Vec::is_empty));
}

#[test]
fn prose_stays_prose() {
    for s in [
        "Siemens opened a new research centre in Munich on Monday.",
        "Busch met Söder.",
        "Henrik Andersen, who leads Vestas, called the agreement a milestone for Denmark.",
        "John Smith is a professor at the University of Oslo.",
        "The company was founded in 1847, moved to Berlin in 1849, and grew.",
    ] {
        assert_eq!(classify(s), Prose, "{s}");
    }
}

#[test]
fn references_are_recognised() {
    for s in [
        "Bacon, F., Milton, J. (1998). London: Penguin Press.",
        "[12] Smith, A. and Jones, B. Knowledge graphs. In Proceedings of the Web Conference, pp. 10-20, 2019.",
        "Devlin J, Chang M-W, Lee K et al. BERT: pre-training of deep transformers. 2019.",
        "Wiley, J., Sons, K., Hoboken, NJ, 2004.",
        // Citations inside a manual's running text.
        "Springer, New York, ISBN 978-0-387-75838-1.",
        "See also Ada Lind (2003), “Package Help”, Data News, 3/3, 37–39.",
        "Books on it include Ada Lind (2008), “Programming with Data”, at https://example.org.",
        "It follows the book “Smoothing” by A. B. Lind and C. D. Berg, 1995.",
    ] {
        assert_eq!(classify(s), Reference, "{s}");
    }
    for s in [
        "“We will grow in 2024,” said Ada Lind, who leads Nordwind, on Monday.",
        "This is also called the “White Book”, and it introduced version 3.",
        "Ada Lind (1931–2004) worked for Nordwind in Oslo.",
    ] {
        assert_eq!(classify(s), Prose, "{s}");
    }
}

#[test]
fn copyright_and_licence_text_is_a_notice() {
    for s in [
        "Copyright c 1998–2020 Ada Lind Copyright c 2021 Nordwind Team This document is free.",
        "© Nordwind Energy. All rights reserved.",
        "Permission is granted to copy this document under the terms of the licence.",
        "You can redistribute it and/or modify it under the terms of the GNU General Public License.",
    ] {
        assert_eq!(classify(s), Notice, "{s}");
    }
    assert_eq!(
        classify("Ada Lind wrote about copyright law in Oslo."),
        Prose
    );
}

#[test]
fn a_sentence_that_closes_a_reference_s_quotation_is_a_reference() {
    let texts = [
        "Ada B. Lind and Carl D. Berg (1984), “S.",
        "An Environment for Data Analysis,” Monterey: Wadsworth.",
        "Ada Lind works for Nordwind in Oslo.",
    ];
    let mut kinds: Vec<TextKind> = texts.iter().map(|t| classify(t)).collect();
    assert_eq!(kinds[0], Reference);
    in_quotations(&mut kinds, &texts);
    assert_eq!(kinds, [Reference, Reference, Prose]);
}

#[test]
fn indexes_tables_affiliations_and_headings_are_recognised() {
    assert_eq!(classify("Bacon, Francis, 12, 45–47, 203"), Index);
    assert_eq!(classify("Labour Party, 88, 91"), Index);
    assert_eq!(classify("Oslo 12 14 Bergen 9 11 Trondheim 7 8"), Table);
    assert_eq!(classify("Name\nCity\nRole\nAnna Berg\nOslo\nChair"), Table);
    assert_eq!(
        classify("Department of Physics, University of Oslo, Norway"),
        Affiliation
    );
    assert_eq!(classify("anna.berg@uio.no"), Affiliation);
    assert_eq!(classify("Results and Discussion"), Heading);
    assert_eq!(classify("KIEL, Germany (Reuters) -"), Heading);
    assert_eq!(classify("Harbour Board Picks Brandt as Chair"), Heading);
    assert_eq!(classify("Bacon Kill Milton"), Heading);
}

#[test]
fn fields_of_a_form_are_a_form() {
    for s in [
        "Name: Helena Varga\nEmployer: Nordwind Energy\nCity: Hamburg",
        "Applicant name: Anna Berg Date of birth: 12 May 1990",
        "Signature: ____________ Date: ________",
        "Name of employer: ______________________",
    ] {
        assert_eq!(classify(s), Form, "{s}");
    }
    for s in [
        "Note: Helena Varga works for Nordwind Energy in Hamburg.",
        "He said: we go to Oslo, and then: to Bergen.",
        "Results: the model found Siemens in Munich, as expected, in every run we made.",
    ] {
        assert_ne!(classify(s), Form, "{s}");
    }
}

#[test]
fn fields_and_address_lines_stand_alone_however_they_are_laid_out() {
    let text = "Employee Record\nName: Helena Varga\nSignature: ____\nHelena Varga works for \
                Nordwind.\nTomas Berg\nDepartment of Economics, University of Gothenburg\n\
                maria@example.org\nThe answer, she said: Siemens works\nwith them.";
    let lines: Vec<String> = standalone_lines(text)
        .into_iter()
        .map(|r| text.chars().skip(r.start).take(r.end - r.start).collect())
        .collect();
    assert_eq!(
        lines,
        ["Name: Helena Varga", "Signature: ____", "maria@example.org"]
    );
    assert!(!is_field_line(
        "Note: Helena Varga works for Nordwind Energy in Hamburg."
    ));
    assert!(!is_field_line("and so: Siemens"));
}

#[test]
fn runs_of_one_line_fields_and_headings_are_a_form_and_a_table() {
    let texts = [
        "Employee Record",
        "Name: Helena Varga",
        "Office: Hamburg",
        "Anna Berg Bergen Telenor",
        "Ole Hansen Tromso Equinor",
        "Kari Lund Oslo Statkraft",
        "Index",
        "Andersen, Henrik, 12, 45-47",
    ];
    let mut kinds: Vec<TextKind> = texts.iter().map(|t| classify(t)).collect();
    assert_eq!(kinds[1], Heading, "alone, a field is too little to call");
    in_runs(&mut kinds, &texts);
    assert_eq!(
        kinds,
        [Heading, Form, Form, Table, Table, Table, Heading, Index]
    );
    // One field alone, two headings in a row: left as they are.
    let texts = [
        "Note: see below",
        "Chapter One",
        "The Harbour",
        "It rained.",
    ];
    let mut kinds: Vec<TextKind> = texts.iter().map(|t| classify(t)).collect();
    let before = kinds.clone();
    in_runs(&mut kinds, &texts);
    assert_eq!(kinds, before);
}

#[test]
fn a_references_heading_opens_a_list_until_the_next_heading() {
    let texts = [
        "Intro text here.",
        "References",
        "Knowledge graphs.",
        "2. Appendix",
        "More.",
    ];
    let mut kinds: Vec<TextKind> = texts.iter().map(|t| classify(t)).collect();
    after_headings(&mut kinds, &texts);
    assert_eq!(kinds, vec![Prose, Heading, Reference, Heading, Prose]);
}

#[test]
fn a_bibliography_lends_its_kind_to_its_short_pieces() {
    let mut kinds = vec![Reference, Prose, Reference, Prose];
    in_paragraph(&mut kinds, &[8, 2, 9, 14]);
    assert_eq!(kinds, vec![Reference, Reference, Reference, Prose]);
    // One reference among prose changes nothing.
    let mut kinds = vec![Prose, Reference, Prose, Prose];
    in_paragraph(&mut kinds, &[8, 2, 9, 4]);
    assert_eq!(kinds, vec![Prose, Reference, Prose, Prose]);
}
