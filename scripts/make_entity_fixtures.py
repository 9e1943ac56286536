#!/usr/bin/env python3
"""Generates fixtures/corpus/entities/: documents written for the entity-boundary issues, and
fixtures/hostile/no-text-no-image.pdf. Raw PDFs written by hand (no library needed):

- names-news.pdf: a news item with a headline line, a dateline, and names the uncased NER model
  used to cut short (head words, lead words, a middle initial, name particles, a hyphenated
  place), nationality adjectives beside their countries;
- symbol-font.pdf: a font whose glyphs are numbered 1..n and read through a ToUnicode CMap that
  also maps one glyph to a character outside the Basic Multilingual Plane (two UTF-16 code
  units), as PyMuPDF writes for fonts with symbols; lopdf's own CMap parser drops such a map
  whole, and the page then read as nothing;
- no-text-no-image.pdf (hostile): a page whose only text is glyph codes no encoding maps and
  which has no image to OCR: the document must be reported failed (no_text), never `ok`;
- fixtures/kinds/: a paper (title, authors, an affiliation block, prose, a reference list), a
  book (prose, a table of names, a back-of-book index) and a form (fields, a blank to sign, a
  sentence of prose), with the relations their prose states
  in fixtures/kinds/expected.json: typed relations must come from the prose and from nothing
  else.

Every sentence here was written for docgraph; the people and most organisations are invented.
The entities and page texts are also written into fixtures/expected.json (entries replaced).

    python3 scripts/make_entity_fixtures.py
"""
import json
import os

import make_hostile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
OUT = os.path.join(ROOT, "corpus", "entities")

# Lines as laid out on the page: the headline alone on the first line, then paragraphs.
NEWS_LINES = [
    "Harbour Board Picks Brandt as Chair",
    "",
    "KIEL, Germany (Reuters) - Johanna K. Brandt will chair the Kiel Harbour Board from March.",
    "Brandt studied at the Technical University of Munich and once worked at the Pergamon Museum",
    "in Berlin. She grew up in Lower Saxony and later lived in Baden-Württemberg.",
    "",
    "The French engineer Luc van der Berg joins her as deputy. Officials in France welcomed",
    "the choice, and a Polish shipyard sent its congratulations from Poland.",
    "",
    "A portrait by Leonardo da Vinci hangs in the Altona District office of the board. Ferries",
    "from Kiel stop at Hammerbrook Station, close to the Elbe River.",
]

NEWS_ENTITIES = [
    ["Harbour Board", "ORG"],
    ["Johanna K. Brandt", "PER"],
    ["Kiel Harbour Board", "ORG"],
    ["Kiel", "LOC"],
    ["Germany", "LOC"],
    ["Reuters", "ORG"],
    ["Technical University of Munich", "ORG"],
    ["Pergamon Museum", "ORG"],
    ["Berlin", "LOC"],
    ["Lower Saxony", "LOC"],
    ["Baden-Württemberg", "LOC"],
    ["French", "MISC"],
    ["Luc van der Berg", "PER"],
    ["France", "LOC"],
    ["Polish", "MISC"],
    ["Poland", "LOC"],
    ["Leonardo da Vinci", "PER"],
    ["Altona District", "LOC"],
    ["Hammerbrook Station", "LOC"],
    ["Elbe River", "LOC"],
]

SYMBOL_LINES = [
    "Anna Schmidt works for Nordbank in Hamburg.",
    "Her model names the matrix \U0001D400 after its author.",
]
SYMBOL_ENTITIES = [["Anna Schmidt", "PER"], ["Nordbank", "ORG"], ["Hamburg", "LOC"]]

# The paper: blocks separated by blank lines, as a reader's layout gives them.
PAPER_LINES = [
    "Ports and Power in Baltic Shipping",
    "",
    "Maria Lindqvist and Tomas Berg",
    "Department of Economics, University of Gothenburg, Sweden",
    "maria.lindqvist@example.org",
    "",
    "Maria Lindqvist works for the Baltic Shipping Institute. The Baltic Shipping Institute is",
    "based in Gothenburg, and its researchers compare the port with Rotterdam.",
    "",
    "References",
    "",
    "[1] Berg, T., Novak, P. (2019). Harbour economics. Oslo: Nordic Press, pp. 12-40.",
    "[2] Hansen, K., Wiley, J. (2021). Shipping lanes. Journal of Maritime Studies, 4(2), 55-70.",
    "[3] Olsen, R. et al. (2018). Ferries of Denmark. Copenhagen: Harbour Books.",
]
BOOK_LINES = [
    "Henrik Andersen lives in Bergen, where he was born. Andersen worked for the Labour Party for",
    "ten years before he joined Statoil.",
    "",
    "Anna Berg Bergen Telenor",
    "Ole Hansen Tromso Equinor",
    "Kari Lund Oslo Statkraft",
    "",
    "Index",
    "",
    "Andersen, Henrik, 12, 45-47",
    "Labour Party, 88, 91",
    "Larsen, Ole, 88, 102",
    "Norway, 3, 17, 88",
]
# A form: a title, fields with their values and a blank to sign, then a sentence of prose.
FORM_LINES = [
    "Employee Record",
    "",
    "Name: Helena Varga",
    "Employer: Nordwind Energy",
    "Office: Hamburg",
    "Signature: ______________",
    "",
    "Helena Varga works for Nordwind Energy. Nordwind Energy is based in Hamburg.",
]
KINDS = {
    "paper.pdf": {
        "lines": PAPER_LINES,
        "prose_relations": [
            ["Maria Lindqvist", "Work_For", "Baltic Shipping Institute"],
            ["Baltic Shipping Institute", "OrgBased_In", "Gothenburg"],
        ],
        "kinds": ["heading", "affiliation", "reference"],
    },
    "book.pdf": {
        "lines": BOOK_LINES,
        "prose_relations": [
            ["Henrik Andersen", "Live_In", "Bergen"],
            ["Henrik Andersen", "Work_For", "Labour Party"],
        ],
        "kinds": ["table", "index"],
    },
    "form.pdf": {
        "lines": FORM_LINES,
        "prose_relations": [
            ["Helena Varga", "Work_For", "Nordwind Energy"],
            ["Nordwind Energy", "OrgBased_In", "Hamburg"],
        ],
        "kinds": ["form"],
    },
}

HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def ps_string(s):
    return b"(" + s.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def one_page(content, font):
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        make_hostile.stream(content),
        font,
    ]


def news_pdf(lines=None):
    """Helvetica text, a line per entry; a blank entry is a wider gap (a paragraph break)."""
    ops = [b"BT /F1 10 Tf 50 740 Td"]
    for line in NEWS_LINES if lines is None else lines:
        if line:
            ops.append(ps_string(line) + b" Tj 0 -14 Td")
        else:
            ops.append(b"0 -14 Td")
    ops.append(b"ET")
    return make_hostile.pdf(one_page(b"\n".join(ops), HELVETICA))


def symbol_pdf():
    """Glyph codes 1..n in order of first use, mapped back by a ToUnicode CMap with bfchar and
    bfrange entries, one of them a surrogate pair."""
    codes = {}
    for ch in "".join(SYMBOL_LINES):
        codes.setdefault(ch, len(codes) + 1)
    entries = []
    for ch, code in codes.items():
        units = ch.encode("utf-16-be").hex().upper()
        entries.append(b"<%02X> <%s>" % (code, units.encode()))
    cmap = (b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            b"1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
            + b"%d beginbfchar\n" % len(entries) + b"\n".join(entries) + b"\nendbfchar\n"
            b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
    ops = [b"BT /F1 11 Tf 50 740 Td"]
    for line in SYMBOL_LINES:
        ops.append(b"<" + b"".join(b"%02X" % codes[c] for c in line) + b"> Tj 0 -16 Td")
    ops.append(b"ET")
    font = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 1 /LastChar %d "
            b"/Widths [%s] /ToUnicode 6 0 R >>" % (len(codes), b" ".join(b"600" for _ in codes)))
    objs = one_page(b"\n".join(ops), font)
    objs.append(make_hostile.stream(cmap))
    return make_hostile.pdf(objs)


def no_text_pdf():
    """Glyph codes with no encoding to read them and no ToUnicode; no image."""
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 1 /LastChar 9 /Widths [600 600 600 600 600 600 600 600 600] /Encoding << /Differences [1 /g1 /g2 /g3 /g4 /g5 /g6 /g7 /g8 /g9] >> >>"
    content = b"BT /F1 12 Tf 72 720 Td <010203040506070809> Tj 0 -16 Td <090807060504030201> Tj ET"
    return make_hostile.pdf(one_page(content, font))


def page_text(lines):
    """The page's text as a reader would write it: paragraphs of joined lines."""
    paragraphs, current = [], []
    for line in lines:
        if line:
            current.append(line)
        else:
            paragraphs.append(" ".join(current))
            current = []
    paragraphs.append(" ".join(current))
    return "\n\n".join(p for p in paragraphs if p)


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "names-news.pdf"), "wb") as f:
        f.write(news_pdf())
    with open(os.path.join(OUT, "symbol-font.pdf"), "wb") as f:
        f.write(symbol_pdf())
    with open(os.path.join(ROOT, "hostile", "no-text-no-image.pdf"), "wb") as f:
        f.write(no_text_pdf())

    kinds_dir = os.path.join(ROOT, "kinds")
    os.makedirs(kinds_dir, exist_ok=True)
    for name, doc in KINDS.items():
        with open(os.path.join(kinds_dir, name), "wb") as f:
            f.write(news_pdf(doc["lines"]))
    with open(os.path.join(kinds_dir, "expected.json"), "w") as f:
        json.dump({n: {k: v for k, v in d.items() if k != "lines"} for n, d in KINDS.items()}, f, indent=2)
        f.write("\n")

    expected_path = os.path.join(ROOT, "expected.json")
    with open(expected_path) as f:
        expected = json.load(f)
    expected["documents"]["entities/names-news.pdf"] = {
        "producer": "handmade",
        "pages": [page_text(NEWS_LINES)],
        "entities": NEWS_ENTITIES,
        "relations": [],
    }
    expected["documents"]["entities/symbol-font.pdf"] = {
        "producer": "handmade",
        "pages": [page_text(SYMBOL_LINES)],
        "entities": SYMBOL_ENTITIES,
        "relations": [],
    }
    with open(expected_path, "w") as f:
        json.dump(expected, f, indent=2, ensure_ascii=False)
        f.write("\n")

    hostile_path = os.path.join(ROOT, "hostile", "expected.json")
    with open(hostile_path) as f:
        hostile = json.load(f)
    hostile["no-text-no-image.pdf"] = {"status": "failed", "kind": "no_text"}
    with open(hostile_path, "w") as f:
        json.dump(hostile, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
