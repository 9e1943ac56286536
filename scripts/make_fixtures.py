#!/usr/bin/env python3
"""Generates docgraph's fixture PDFs from texts written for the purpose.

Every entity in these texts is known by construction and listed in fixtures/expected.json,
with each page's source text, so tests can measure entity recall and text fidelity.

Producers: reportlab (standard Type 1 font), fpdf2 (embedded TrueType subset, Identity-H),
Ghostscript (PostScript distilled to PDF), img2pdf (scans: JPEG, lossless PNG/Flate, CCITT G4),
pikepdf (encryption). The PDFs are committed; this script is only needed to change them:

    pip install fpdf2 reportlab img2pdf pikepdf pillow   # and: apt-get install ghostscript fonts-dejavu-core
    python3 scripts/make_fixtures.py              # every document
    python3 scripts/make_fixtures.py relations/   # only documents under these path prefixes
"""
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zlib

from PIL import Image, ImageDraw, ImageFont

import make_hostile  # the raw PDF writer, shared with the hostile fixtures

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
CORPUS = os.path.join(ROOT, "corpus")
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"

# Each document: pages of text, the entities in them, and relations the graph must hold.
DOCS = {
    "reportlab/siemens-munich.pdf": {
        "producer": "reportlab",
        "pages": [
            "Siemens opened a new research centre in Munich on Monday. "
            "Chief executive Roland Busch said the site will employ four hundred engineers. "
            "The Bavarian government welcomed the investment, and Busch met Markus Söder at the opening. "
            "Researchers from the Technical University of Munich will share the laboratories."
        ],
        "entities": [["Siemens", "ORG"], ["Munich", "LOC"], ["Roland Busch", "PER"],
                     ["Bavarian", "MISC"], ["Markus Söder", "PER"], ["Technical University of Munich", "ORG"]],
        "relations": [],
    },
    "fpdf/wind-report.pdf": {
        "producer": "fpdf2",
        "pages": [
            "Vestas signed a turbine contract with Orsted in Copenhagen. "
            "Henrik Andersen, who leads Vestas, called the agreement a milestone for Denmark. "
            "The turbines will be installed off the coast of Jutland next spring.",
            "Engineers from Aarhus University tested the new blades in the North Sea. "
            "Maria Jensen coordinated the trials with Siemens Gamesa and reported the results to the board. "
            "Jensen said the blades survived winds above one hundred kilometres per hour.",
            "The European Commission approved the project in Brussels. "
            "Ursula von der Leyen praised the partnership between Danish and German companies. "
            "Construction starts in Esbjerg in April.",
        ],
        "entities": [["Vestas", "ORG"], ["Orsted", "ORG"], ["Copenhagen", "LOC"], ["Henrik Andersen", "PER"],
                     ["Denmark", "LOC"], ["Jutland", "LOC"], ["Aarhus University", "ORG"], ["North Sea", "LOC"],
                     ["Maria Jensen", "PER"], ["Siemens Gamesa", "ORG"], ["European Commission", "ORG"],
                     ["Brussels", "LOC"], ["Ursula von der Leyen", "PER"], ["Danish", "MISC"], ["German", "MISC"],
                     ["Esbjerg", "LOC"]],
        "relations": [],
    },
    "ghostscript/github-letter.pdf": {
        "producer": "ghostscript",
        "pages": [
            "Microsoft acquired GitHub in 2018. "
            "Satya Nadella announced the purchase at a meeting in Redmond. "
            "Nat Friedman became the chief executive of GitHub after the deal. "
            "Developers in London and Berlin asked whether the service would stay independent."
        ],
        "entities": [["Microsoft", "ORG"], ["GitHub", "ORG"], ["Satya Nadella", "PER"], ["Redmond", "LOC"],
                     ["Nat Friedman", "PER"], ["London", "LOC"], ["Berlin", "LOC"]],
        "relations": [],
    },
    "scans/berlin-jpeg.pdf": {
        "producer": "img2pdf (JPEG scan)",
        "scan": "jpeg",
        "pages": [
            "Barack Obama visited Berlin in June. "
            "He spoke with Olaf Scholz about trade with China. "
            "The White House later thanked the German chancellor."
        ],
        "entities": [["Barack Obama", "PER"], ["Berlin", "LOC"], ["Olaf Scholz", "PER"], ["China", "LOC"],
                     ["White House", "ORG"], ["German", "MISC"]],
        "relations": [],
    },
    "scans/toyota-png.pdf": {
        "producer": "img2pdf (lossless PNG scan)",
        "scan": "png",
        "pages": [
            "Toyota built a new factory in Kentucky. "
            "Akio Toyoda visited Georgetown with engineers from Denso. "
            "The plant will supply cars to dealers in Canada and Mexico."
        ],
        "entities": [["Toyota", "ORG"], ["Kentucky", "LOC"], ["Akio Toyoda", "PER"], ["Georgetown", "LOC"],
                     ["Denso", "ORG"], ["Canada", "LOC"], ["Mexico", "LOC"]],
        "relations": [],
    },
    "scans/airbus-fax.pdf": {
        "producer": "img2pdf (CCITT G4 scan)",
        "scan": "g4",
        "pages": [
            "Airbus delivered ten aircraft to Lufthansa in Hamburg. "
            "Guillaume Faury thanked the workers in Toulouse for the record month."
        ],
        "entities": [["Airbus", "ORG"], ["Lufthansa", "ORG"], ["Hamburg", "LOC"], ["Guillaume Faury", "PER"],
                     ["Toulouse", "LOC"]],
        "relations": [],
    },
    "scans/nokia-g3.pdf": {
        "producer": "hand-built (CCITT Group 3 1-D scan from libtiff, with end-of-line codes)",
        "scan": "g3",
        "pages": ["Nokia shipped network equipment from Espoo to customers in India."],
        "entities": [["Nokia", "ORG"], ["Espoo", "LOC"], ["India", "LOC"]],
        "relations": [],
    },
    "encrypted/nestle-open.pdf": {
        "producer": "reportlab + pikepdf (RC4 encrypted, empty user password)",
        "encrypt": "empty",
        "pages": [
            "Nestle moved two hundred employees from Vevey to Lausanne. "
            "Mark Schneider approved the plan after talks with the Swiss unions."
        ],
        "entities": [["Nestle", "ORG"], ["Vevey", "LOC"], ["Lausanne", "LOC"], ["Mark Schneider", "PER"],
                     ["Swiss", "MISC"]],
        "relations": [],
    },
}

# Five more producers and hand-built structures, for text fidelity (issue: hard PDFs).
DOCS.update({
    "producers/latex-prize.pdf": {
        "producer": "pdfTeX (LaTeX, Computer Modern Type 1, justified, hyphenated)",
        "latex": True,
        "pages": [
            "The Royal Society awarded a prize to Dorothy Hodgkin for her work in Oxford. "
            "Her efficient methods influenced scientists at Cambridge and the Massachusetts Institute of Technology. "
            "In the following decades, researchers in Japan and Brazil refined the technique further, and the "
            "University of Toronto built the first automated laboratory for crystallographic measurements, which "
            "attracted affluent sponsors and official visitors from many countries."
        ],
        "entities": [["Royal Society", "ORG"], ["Dorothy Hodgkin", "PER"], ["Oxford", "LOC"], ["Cambridge", "LOC"],
                     ["Massachusetts Institute of Technology", "ORG"], ["Japan", "LOC"], ["Brazil", "LOC"],
                     ["University of Toronto", "ORG"]],
        "relations": [],
    },
    "producers/latex-twocolumn.pdf": {
        "producer": "pdfTeX (LaTeX, two columns under a full-width title)",
        "latex": "twocolumn",
        "pages": [
            "A Report on European Rail\n\n"
            "Deutsche Bahn ordered new trains from Alstom for the route between Frankfurt and Paris. "
            "Richard Lutz said the first units will arrive in the spring, and engineers in Strasbourg will test "
            "them on the bridge over the Rhine. The French operator SNCF will share the maintenance depot in Lyon. "
            "Passengers travelling from Cologne to Brussels will also benefit, because the same trains can run on "
            "the Belgian network. The European Investment Bank lent part of the money, and officials in Luxembourg "
            "signed the agreement last week. Critics in Berlin argued that the order should have gone to Siemens, "
            "which builds similar trains in Krefeld, but the ministry defended the decision and promised further "
            "tenders next year."
        ],
        "entities": [["Deutsche Bahn", "ORG"], ["Alstom", "ORG"], ["Frankfurt", "LOC"], ["Paris", "LOC"],
                     ["Richard Lutz", "PER"], ["Strasbourg", "LOC"], ["Rhine", "LOC"], ["French", "MISC"],
                     ["SNCF", "ORG"], ["Lyon", "LOC"], ["Cologne", "LOC"], ["Brussels", "LOC"], ["Belgian", "MISC"],
                     ["European Investment Bank", "ORG"], ["Luxembourg", "LOC"], ["Berlin", "LOC"], ["Siemens", "ORG"],
                     ["Krefeld", "LOC"]],
        "relations": [],
    },
    "producers/libreoffice-deal.pdf": {
        "producer": "LibreOffice Writer (embedded TrueType subsets)",
        "html": "libreoffice",
        "pages": [
            "Spotify signed a licensing deal with Universal Music in Stockholm. "
            "Daniel Ek said the agreement covers listeners in Sweden, Norway and Finland. "
            "The contract was reviewed by lawyers from Baker McKenzie before the announcement."
        ],
        "entities": [["Spotify", "ORG"], ["Universal Music", "ORG"], ["Stockholm", "LOC"], ["Daniel Ek", "PER"],
                     ["Sweden", "LOC"], ["Norway", "LOC"], ["Finland", "LOC"], ["Baker McKenzie", "ORG"]],
        "relations": [],
    },
    "producers/chromium-series.pdf": {
        "producer": "Chromium print to PDF (Skia, CID fonts)",
        "html": "chromium",
        "pages": [
            "Netflix filmed a new series in Madrid with actors from Argentina. "
            "Ted Sarandos visited the set and praised the director, Pedro Almodovar. "
            "The show will premiere in Los Angeles in May."
        ],
        "entities": [["Netflix", "ORG"], ["Madrid", "LOC"], ["Argentina", "LOC"], ["Ted Sarandos", "PER"],
                     ["Pedro Almodovar", "PER"], ["Los Angeles", "LOC"]],
        "relations": [],
    },
    "producers/garbled-text-layer.pdf": {
        "producer": "hand-built: a scan under an invisible text layer whose encoding shifts every letter",
        "garbled": True,
        "scan": "garbled",
        "pages": [
            "Volkswagen tested electric buses in Wolfsburg. "
            "Herbert Diess met engineers from Bosch in Stuttgart."
        ],
        "entities": [["Volkswagen", "ORG"], ["Wolfsburg", "LOC"], ["Herbert Diess", "PER"], ["Bosch", "ORG"],
                     ["Stuttgart", "LOC"]],
        "relations": [],
    },
    "producers/handmade-structures.pdf": {
        "producer": "hand-built: text in a Form XObject positioned by TJ kerning, a rotated page, an inline-image scan",
        "handmade": True,
        "ocr_pages": [3],
        "pages": [
            "Heineken opened a brewery in Amsterdam. Dolf van den Brink thanked the staff in Rotterdam.",
            "Philips moved its research to Eindhoven. Frans van Houten met the mayor of Utrecht.",
            "Shell sold oil fields in Nigeria to investors from Ghana.",
        ],
        "entities": [["Heineken", "ORG"], ["Amsterdam", "LOC"], ["Dolf van den Brink", "PER"], ["Rotterdam", "LOC"],
                     ["Philips", "ORG"], ["Eindhoven", "LOC"], ["Frans van Houten", "PER"], ["Utrecht", "LOC"],
                     ["Shell", "ORG"], ["Nigeria", "LOC"], ["Ghana", "LOC"]],
        "relations": [],
    },
})

# Written for the relation model (typed relations of every predicate).
DOCS.update({
    # Written for the relation model: typed relations of every predicate that must be found
    # (head, predicate, tail), and pairs in the same sentences that must not be related.
    "relations/reportlab-staff.pdf": {
        "producer": "reportlab",
        "pages": [
            "Helena Varga works for Nordwind Energy as its chief economist. "
            "Nordwind Energy is based in Hamburg. "
            "Varga lives in Luebeck with her two children. "
            "Luebeck is a port city in Schleswig-Holstein. "
            "Tom Reyes, a teacher from Denver, criticised Nordwind Energy in a letter."
        ],
        "entities": [["Helena Varga", "PER"], ["Nordwind Energy", "ORG"], ["Hamburg", "LOC"],
                     ["Luebeck", "LOC"], ["Schleswig-Holstein", "LOC"], ["Tom Reyes", "PER"], ["Denver", "LOC"]],
        "relations": [["Helena Varga", "Work_For", "Nordwind Energy"], ["Nordwind Energy", "OrgBased_In", "Hamburg"],
                      ["Helena Varga", "Live_In", "Luebeck"], ["Luebeck", "Located_In", "Schleswig-Holstein"],
                      ["Tom Reyes", "Live_In", "Denver"]],
        "not_related": [["Tom Reyes", "Work_For", "Nordwind Energy"], ["Hamburg", "Located_In", "Nordwind Energy"]],
    },
    "relations/fpdf-court.pdf": {
        "producer": "fpdf2",
        "pages": [
            "A jury in Tucson found that Raymond Croft killed Dennis Hollis in 2019. "
            "Croft, a former guard at Pinecrest Security, had lived in Phoenix for ten years. "
            "Pinecrest Security, a firm headquartered in Tempe, declined to comment.",
        ],
        "entities": [["Tucson", "LOC"], ["Raymond Croft", "PER"], ["Dennis Hollis", "PER"],
                     ["Pinecrest Security", "ORG"], ["Phoenix", "LOC"], ["Tempe", "LOC"]],
        "relations": [["Raymond Croft", "Kill", "Dennis Hollis"], ["Raymond Croft", "Work_For", "Pinecrest Security"],
                      ["Raymond Croft", "Live_In", "Phoenix"], ["Pinecrest Security", "OrgBased_In", "Tempe"]],
        "not_related": [["Dennis Hollis", "Kill", "Raymond Croft"], ["Dennis Hollis", "Work_For", "Pinecrest Security"]],
    },
    "relations/ghostscript-mayor.pdf": {
        "producer": "ghostscript",
        "pages": [
            "Sofia Lindqvist, the mayor of Uppsala, met bankers from Handelsbanken on Tuesday. "
            "Handelsbanken is based in Stockholm. "
            "Uppsala is a university town in Sweden. "
            "In a separate trial, Gustav Berg was convicted of murdering Anders Holm."
        ],
        "entities": [["Sofia Lindqvist", "PER"], ["Uppsala", "LOC"], ["Handelsbanken", "ORG"], ["Stockholm", "LOC"],
                     ["Sweden", "LOC"], ["Gustav Berg", "PER"], ["Anders Holm", "PER"]],
        "relations": [["Handelsbanken", "OrgBased_In", "Stockholm"], ["Uppsala", "Located_In", "Sweden"],
                      ["Gustav Berg", "Kill", "Anders Holm"]],
        "not_related": [["Anders Holm", "Kill", "Gustav Berg"], ["Sweden", "Located_In", "Uppsala"]],
    },
    "relations/scan-obituary.pdf": {
        "producer": "img2pdf (JPEG scan)",
        "scan": "jpeg",
        "pages": [
            "Carlos Mendes, who worked for Petrobras for thirty years, died at his home in Recife. "
            "Petrobras, which is based in Rio de Janeiro, paid tribute to him. "
            "Recife is the capital of Pernambuco."
        ],
        "entities": [["Carlos Mendes", "PER"], ["Petrobras", "ORG"], ["Recife", "LOC"], ["Rio de Janeiro", "LOC"],
                     ["Pernambuco", "LOC"]],
        "relations": [["Carlos Mendes", "Work_For", "Petrobras"], ["Carlos Mendes", "Live_In", "Recife"],
                      ["Petrobras", "OrgBased_In", "Rio de Janeiro"], ["Recife", "Located_In", "Pernambuco"]],
        "not_related": [["Pernambuco", "Located_In", "Recife"], ["Rio de Janeiro", "Located_In", "Recife"]],
    },
})

BROKEN = {
    "broken/empty.pdf": "empty_file",
    "broken/not-a-pdf.pdf": "not_pdf",
    "broken/truncated.pdf": "malformed_pdf",
    "broken/password.pdf": "password_required",
}


def out(rel):
    path = os.path.join(CORPUS, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def reportlab_pdf(path, pages):
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(path, pagesize=letter, invariant=1)
    for text in pages:
        t = c.beginText(72, 720)
        t.setFont("Helvetica", 11)
        for line in textwrap.wrap(text, 90):
            t.textLine(line)
        c.drawText(t)
        c.showPage()
    c.save()


def fpdf_pdf(path, pages):
    from fpdf import FPDF
    pdf = FPDF(format="A4")
    import datetime
    pdf.set_creation_date(datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
    pdf.add_font("DejaVu", "", DEJAVU)
    pdf.set_font("DejaVu", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(path)


def ps_escape(s):
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def ghostscript_pdf(path, pages):
    ps = ["%!PS-Adobe-3.0", "/Times-Roman findfont 12 scalefont setfont"]
    for text in pages:
        y = 720
        for line in textwrap.wrap(text, 80):
            ps.append(f"72 {y} moveto ({ps_escape(line)}) show")
            y -= 16
        ps.append("showpage")
    src = path + ".ps"
    with open(src, "w", encoding="latin-1") as f:
        f.write("\n".join(ps) + "\n")
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pdfwrite", "-dCompatibilityLevel=1.5",
                    f"-sOutputFile={path}", src], check=True)
    os.remove(src)


def render_page(text, dpi=300):
    """A clean scan: black text on a white Letter page at `dpi`."""
    w, h = int(8.5 * dpi), int(11 * dpi)
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(SERIF, int(12 / 72 * dpi))
    y = dpi
    for line in textwrap.wrap(text, 70):
        draw.text((dpi, y), line, font=font, fill=0)
        y += int(18 / 72 * dpi)
    return img


def g3_pdf(path, pages):
    """img2pdf embeds only Group 4; a Group 3 scan is built by hand from libtiff's strips."""
    img = render_page(pages[0]).point(lambda v: 255 if v > 128 else 0).convert("1")
    buf = io.BytesIO()
    img.save(buf, format="TIFF", compression="group3", dpi=(300, 300))
    tiff = Image.open(io.BytesIO(buf.getvalue()))
    raw = buf.getvalue()
    data = b"".join(raw[o:o + c] for o, c in zip(tiff.tag_v2[273], tiff.tag_v2[279]))
    w, h = img.size
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> >> >>",
        pdf_stream(b"q 612 0 0 792 0 0 cm /Im1 Do Q"),
        pdf_stream(data, b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1 "
                         b"/Filter /CCITTFaxDecode /DecodeParms << /K 0 /Columns %d /Rows %d /EndOfLine true >> " % (w, h, w, h)),
    ]
    with open(path, "wb") as f:
        f.write(raw_pdf(objs))


def scan_pdf(path, pages, kind):
    if kind == "g3":
        return g3_pdf(path, pages)
    import img2pdf
    blobs = []
    for text in pages:
        img = render_page(text)
        buf = io.BytesIO()
        if kind == "jpeg":
            img.save(buf, format="JPEG", quality=80, dpi=(300, 300))
        elif kind == "png":
            img.save(buf, format="PNG", dpi=(300, 300))
        elif kind == "g4":
            img.point(lambda v: 255 if v > 128 else 0).convert("1").save(buf, format="TIFF", compression="group4", dpi=(300, 300))
        blobs.append(buf.getvalue())
    with open(path, "wb") as f:
        f.write(img2pdf.convert(blobs, nodate=True))


def latex_pdf(path, pages, twocolumn=False):
    import tempfile
    if twocolumn:
        # A small page so the text fills the left column and runs on into the right one.
        title, body = pages[0].split("\n\n", 1)
        preamble = ("\\documentclass[twocolumn]{article}\n\\pdfpagewidth=6in \\pdfpageheight=3.6in\n"
                    "\\textwidth=5in \\textheight=2.6in \\oddsidemargin=-0.5in \\topmargin=-0.8in "
                    "\\headheight=0pt \\headsep=0pt\n\\pagestyle{empty}\n\\begin{document}\n")
        body = f"\\twocolumn[{{\\Large {title}\\par\\bigskip}}]\n{body}"
    else:
        preamble = "\\documentclass{article}\n\\pagestyle{empty}\n\\textwidth=3.2in\n\\begin{document}\n"
        body = "\n\\newpage\n".join(pages)
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "doc.tex"), "w") as f:
            f.write(preamble + body + "\n\\end{document}\n")
        subprocess.run(["pdflatex", "-interaction=batchmode", "doc.tex"], cwd=d, check=True, stdout=subprocess.DEVNULL)
        shutil.copy(os.path.join(d, "doc.pdf"), path)


def html_pdf(path, pages, tool):
    import tempfile
    paras = "".join(f"<p>{t}</p>" for t in pages)
    html = f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>body{{font-family:'Liberation Serif';font-size:12pt;width:5in}}</style></head><body>{paras}</body></html>"
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "doc.html")
        with open(src, "w") as f:
            f.write(html)
        if tool == "chromium":
            subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={d}/profile",
                            "--no-pdf-header-footer", f"--print-to-pdf={path}", "file://" + src],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            # Plain text through Writer: LibreOffice's own layout and font embedding.
            txt = os.path.join(d, "doc.txt")
            with open(txt, "w") as f:
                f.write("\n\n".join(pages) + "\n")
            subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{d}/lo", "--convert-to",
                            "pdf:writer_pdf_Export", "--outdir", d, txt], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            shutil.copy(os.path.join(d, "doc.pdf"), path)


def raw_pdf(objs):
    """A PDF from numbered object bodies (1-based, object 1 the catalog)."""
    return make_hostile.pdf(objs, version=b"1.5")


pdf_stream = make_hostile.stream


def ps_string(s):
    return b"(" + s.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def garbled_pdf(path, pages):
    """A 300 dpi scan with an invisible text layer (render mode 3) whose font encoding maps every
    letter's code to the next letter's glyph: text extraction yields shifted 'ciphertext'."""
    text = pages[0]
    img = render_page(text)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    jpeg = buf.getvalue()
    shifted = b" ".join(b"%d /%s" % (c, bytes([c + 1]) if c not in (90, 122) else bytes([c - 25])) for c in list(range(65, 91)) + list(range(97, 123)))
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [" + shifted + b"] >> >>"
    lines = textwrap.wrap(text, 70)
    content = b"q 612 0 0 792 0 0 cm /Im1 Do Q BT 3 Tr /F1 12 Tf 72 720 Td 18 TL "
    content += b" ".join(ps_string(line) + b" '" for line in lines) + b" ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>",
        pdf_stream(content),
        font,
        pdf_stream(jpeg, b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode " % img.size),
    ]
    with open(path, "wb") as f:
        f.write(raw_pdf(objs))


def tj_kerned(line):
    """A TJ array that spells `line` glyph by glyph with small kerning, and with no space
    characters at all: word gaps are large negative adjustments, as some producers write them."""
    parts = []
    for word in line.split(" "):
        for i, ch in enumerate(word):
            parts.append(ps_string(ch))
            if i + 1 < len(word):
                parts.append(b"-12" if i % 2 else b"8")
        parts.append(b"-280")
    return b"[" + b" ".join(parts) + b"] TJ"


def handmade_pdf(path, pages):
    helv = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 126 /Widths [" + HELVETICA_WIDTHS + b"] >>"
    # Page 1: all text inside a Form XObject, glyphs positioned by TJ kerning.
    form = b"BT /F1 12 Tf 72 720 Td " + b" 0 -16 Td ".join(tj_kerned(l) for l in textwrap.wrap(pages[0], 60)) + b" ET"
    p1 = b"q 1 0 0 1 0 0 cm /Fm1 Do Q"
    # Page 2: a landscape page: /Rotate 90, text drawn rotated so it reads upright when shown.
    p2 = b"BT /F1 12 Tf 0 1 -1 0 540 72 Tm 16 TL " + b" ".join(ps_string(l) + b" '" for l in textwrap.wrap(pages[1], 60)) + b" ET"
    # Page 3: an inline-image scan of a text line, drawn smaller than the page, with margins.
    line_img = Image.new("L", (1500, 90), 255)
    ImageDraw.Draw(line_img).text((10, 10), pages[2], font=ImageFont.truetype(SERIF, 50), fill=0)
    bits = line_img.point(lambda v: 255 if v > 128 else 0).convert("1").tobytes()
    data = zlib.compress(bits, 9).hex().encode() + b">"
    p3 = b"q 360 0 0 21.6 72 600 cm BI /W 1500 /H 90 /BPC 1 /CS /G /F [/AHx /Fl] ID " + data + b" EI Q"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 /Resources << /Font << /F1 6 0 R >> /XObject << /Fm1 7 0 R >> >> /MediaBox [0 0 612 792] >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 8 0 R >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 9 0 R /Rotate 90 >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 10 0 R >>",
        helv,
        pdf_stream(form, b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 6 0 R >> >> "),
        pdf_stream(p1),
        pdf_stream(p2),
        pdf_stream(p3),
    ]
    with open(path, "wb") as f:
        f.write(raw_pdf(objs))


# Helvetica's advance widths for codes 32-126 (Adobe's published font metrics).
HELVETICA_WIDTHS = b" ".join(b"%d" % w for w in [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
    556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
    556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, 334, 260, 334, 584])


def encrypt(path, user_password):
    import pikepdf
    tmp = path + ".plain"
    os.rename(path, tmp)
    with pikepdf.open(tmp) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user=user_password, owner="owner-secret", R=4, aes=False, metadata=False))
    os.remove(tmp)


def main():
    # With path prefixes as arguments only those documents are rebuilt (the others keep their
    # bytes); expected.json is always rewritten from DOCS.
    only = sys.argv[1:]
    if not only:
        shutil.rmtree(CORPUS, ignore_errors=True)
    for rel, doc in DOCS.items():
        if only and not any(rel.startswith(p) for p in only):
            continue
        path = out(rel)
        producer = doc["producer"]
        if doc.get("garbled"):
            garbled_pdf(path, doc["pages"])
        elif doc.get("handmade"):
            handmade_pdf(path, doc["pages"])
        elif doc.get("latex"):
            latex_pdf(path, doc["pages"], twocolumn=doc["latex"] == "twocolumn")
        elif "html" in doc:
            html_pdf(path, doc["pages"], doc["html"])
        elif "scan" in doc:
            scan_pdf(path, doc["pages"], doc["scan"])
        elif producer.startswith("fpdf"):
            fpdf_pdf(path, doc["pages"])
        elif producer.startswith("ghostscript"):
            ghostscript_pdf(path, doc["pages"])
        else:
            reportlab_pdf(path, doc["pages"])
        if doc.get("encrypt") == "empty":
            encrypt(path, "")

    expected = {"documents": DOCS, "broken": BROKEN}
    with open(os.path.join(ROOT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2, ensure_ascii=False)
        f.write("\n")
    if only:
        return
    open(out("broken/empty.pdf"), "wb").close()
    with open(out("broken/not-a-pdf.pdf"), "w") as f:
        f.write("This is a plain text file that only pretends to be a PDF by its name.\n")
    with open(os.path.join(CORPUS, "reportlab/siemens-munich.pdf"), "rb") as f:
        data = f.read()
    with open(out("broken/truncated.pdf"), "wb") as f:
        f.write(data[: len(data) // 3])
    pw = out("broken/password.pdf")
    reportlab_pdf(pw, ["This document is confidential and needs a password."])
    encrypt(pw, "secret")
    for dirpath, _, files in sorted(os.walk(CORPUS)):
        for name in sorted(files):
            p = os.path.join(dirpath, name)
            print(f"{os.path.relpath(p, ROOT):45s} {os.path.getsize(p):8d} bytes")


if __name__ == "__main__":
    main()
