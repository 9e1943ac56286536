#!/usr/bin/env python3
"""Generates docgraph's fixture PDFs from texts written for the purpose.

Every entity in these texts is known by construction and listed in fixtures/expected.json,
with each page's source text, so tests can measure entity recall and text fidelity.

Producers: reportlab (standard Type 1 font), fpdf2 (embedded TrueType subset, Identity-H),
Ghostscript (PostScript distilled to PDF), img2pdf (scans: JPEG, lossless PNG/Flate, CCITT G4),
pikepdf (encryption). The PDFs are committed; this script is only needed to change them:

    pip install fpdf2 reportlab img2pdf pikepdf pillow   # and: apt-get install ghostscript fonts-dejavu-core
    python3 scripts/make_fixtures.py
"""
import io
import json
import os
import shutil
import subprocess
import textwrap
import zlib

from PIL import Image, ImageDraw, ImageFont

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
        "relations": [["Siemens", "opened", "Munich"]],
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
        "relations": [["Vestas", "signed", "Orsted"]],
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
        "relations": [["Microsoft", "acquired", "GitHub"]],
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
        "relations": [["Barack Obama", "visited", "Berlin"]],
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
        "relations": [["Toyota", "built", "Kentucky"]],
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
        "relations": [["Airbus", "delivered", "Lufthansa"]],
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


def scan_pdf(path, pages, kind):
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


def encrypt(path, user_password):
    import pikepdf
    tmp = path + ".plain"
    os.rename(path, tmp)
    with pikepdf.open(tmp) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user=user_password, owner="owner-secret", R=4, aes=False, metadata=False))
    os.remove(tmp)


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    for rel, doc in DOCS.items():
        path = out(rel)
        producer = doc["producer"]
        if "scan" in doc:
            scan_pdf(path, doc["pages"], doc["scan"])
        elif producer.startswith("fpdf"):
            fpdf_pdf(path, doc["pages"])
        elif producer.startswith("ghostscript"):
            ghostscript_pdf(path, doc["pages"])
        else:
            reportlab_pdf(path, doc["pages"])
        if doc.get("encrypt") == "empty":
            encrypt(path, "")

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

    expected = {"documents": DOCS, "broken": BROKEN}
    with open(os.path.join(ROOT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2, ensure_ascii=False)
        f.write("\n")
    for dirpath, _, files in sorted(os.walk(CORPUS)):
        for name in sorted(files):
            p = os.path.join(dirpath, name)
            print(f"{os.path.relpath(p, ROOT):45s} {os.path.getsize(p):8d} bytes")


if __name__ == "__main__":
    main()
