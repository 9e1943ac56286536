#!/usr/bin/env python3
"""Writes the kinds fixtures (fixtures/kinds/: a paper, a book page, a form; their texts in
scripts/make_entity_fixtures.py) through other producers than the hand-made PDFs, so that the
kinds of text are judged on layouts the fixtures' author did not lay out line by line:

- fixtures/kinds/reportlab/: ReportLab's canvas, Times-Roman, the prose wrapped by ReportLab;
- fixtures/kinds/chromium/: HTML (headings, paragraphs, a table, an ordered list of
  references) printed by headless Chromium, which typesets and wraps everything itself;
- fixtures/kinds/fpdf/: fpdf2, Helvetica, the prose in a wrapped cell;
- fixtures/kinds/latex/: pdflatex (article class, Computer Modern; a tabular, an enumerated
  bibliography), which hyphenates and justifies;
- fixtures/kinds/libreoffice/: the HTML above converted by LibreOffice Writer;
- fixtures/kinds/scan/: each page drawn as a 200 dpi greyscale image (DejaVu Sans) with no
  text layer, so docgraph reads it through Tesseract.

The expected relations and kinds are fixtures/kinds/expected.json's, by file name.

    pip install reportlab==4.2.5 pillow==10.4.0 fpdf2==2.7.9   # versions used
    apt-get install chromium fonts-dejavu-core texlive-latex-base texlive-latex-recommended \
        libreoffice-writer-nogui
    python3 scripts/make_kinds_producers.py [PRODUCER…]   # all, or only those named
"""
import html
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen import canvas

import make_entity_fixtures as texts

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "kinds")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def paragraphs(lines):
    """Blocks of lines (a blank line ends one)."""
    out, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def is_prose(block):
    return sum(len(line) for line in block) > 120 or block[0].endswith(".") and len(block) == 1 and len(block[0]) > 60


def reportlab_pdf(lines, path):
    c = canvas.Canvas(path, pagesize=letter, invariant=1)
    c.setFont("Times-Roman", 11)
    y = 740
    for block in paragraphs(lines):
        rows = simpleSplit(" ".join(block), "Times-Roman", 11, 470) if is_prose(block) else block
        for row in rows:
            c.drawString(60, y, row)
            y -= 14
        y -= 10
    c.showPage()
    c.save()


def html_of(name, lines, style=True):
    blocks = paragraphs(lines)
    e = html.escape
    body = []
    for block in blocks:
        if block[0] in ("References", "Index"):
            body.append(f"<h2>{e(block[0])}</h2>")
        elif block[0].startswith("[1]"):
            body.append("<ol>" + "".join(f"<li>{e(b.split('] ', 1)[1])}</li>" for b in block) + "</ol>")
        elif name == "book.pdf" and block[0].startswith("Anna Berg"):
            rows = []
            for b in block:
                w = b.split()
                rows.append(f'<tr><td width="40%">{e(" ".join(w[:2]))}</td>'
                            f'<td width="30%">{e(w[2])}</td><td width="30%">{e(w[3])}</td></tr>')
            body.append('<table width="80%">' + "".join(rows) + "</table>")
        elif is_prose(block):
            body.append(f"<p>{e(' '.join(block))}</p>")
        elif block is blocks[0] and len(block) == 1:
            body.append(f"<h1>{e(block[0])}</h1>")
        else:
            body.append("<p>" + "<br>".join(e(b) for b in block) + "</p>")
    css = ("<style>body{font:11pt serif;margin:1in}h1{font-size:16pt}h2{font-size:13pt}"
           "td{padding:2px 18px 2px 0}</style>") if style else ""
    return "<!doctype html><meta charset=utf-8>" + css + "".join(body)


def chromium_pdf(name, lines, path):
    with tempfile.TemporaryDirectory() as tmp:
        page = os.path.join(tmp, "page.html")
        with open(page, "w") as f:
            f.write(html_of(name, lines))
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
             f"--print-to-pdf={path}", "file://" + page],
            check=True, capture_output=True)


def fpdf_pdf(lines, path):
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_creation_date(__import__("datetime").datetime(2026, 1, 1))
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for block in paragraphs(lines):
        if is_prose(block):
            pdf.multi_cell(0, 6, " ".join(block))
        else:
            for line in block:
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    pdf.output(path)


def latex_of(name, lines):
    special = {"\\": "\\textbackslash{}", "&": "\\&", "%": "\\%", "$": "\\$", "#": "\\#",
               "_": "\\_", "{": "\\{", "}": "\\}"}

    def tex(t):
        return "".join(special.get(c, c) for c in t)

    blocks = paragraphs(lines)
    body = []
    for block in blocks:
        if block[0] in ("References", "Index"):
            body.append("\\section*{%s}" % block[0])
        elif block[0].startswith("[1]"):
            body.append("\\begin{enumerate}" + "".join(
                "\\item " + tex(b.split("] ", 1)[1]) for b in block) + "\\end{enumerate}")
        elif name == "book.pdf" and block[0].startswith("Anna Berg"):
            rows = []
            for b in block:
                w = b.split()
                rows.append(" & ".join([" ".join(w[:2]), w[2], w[3]]) + " \\\\")
            body.append("\\begin{tabular}{lll}" + "\n".join(rows) + "\\end{tabular}")
        elif is_prose(block):
            body.append(tex(" ".join(block)))
        elif block is blocks[0] and len(block) == 1:
            body.append("{\\Large %s\\par}" % tex(block[0]))
        else:
            body.append("\\\\\n".join(tex(b) for b in block))
    return ("\\documentclass[11pt]{article}\\pagestyle{empty}\\begin{document}\n"
            + "\n\n".join(body) + "\n\\end{document}\n")


def latex_pdf(name, lines, path):
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "page.tex"), "w") as f:
            f.write(latex_of(name, lines))
        env = dict(os.environ, SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1")
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "page.tex"], cwd=tmp, env=env,
                       check=True, capture_output=True)
        os.replace(os.path.join(tmp, "page.pdf"), path)


def libreoffice_pdf(name, lines, path):
    with tempfile.TemporaryDirectory() as tmp:
        page = os.path.join(tmp, "page.html")
        with open(page, "w") as f:
            # No style sheet: LibreOffice's HTML import makes each column of a styled table
            # one letter wide.
            f.write(html_of(name, lines, style=False))
        subprocess.run(["libreoffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        "--infilter=HTML (StarWriter)", "--convert-to", "pdf:writer_pdf_Export",
                        "--outdir", tmp, page],
                       check=True, capture_output=True)
        os.replace(os.path.join(tmp, "page.pdf"), path)


def scan_pdf(lines, path):
    dpi = 200
    img = Image.new("L", (int(8.5 * dpi), 11 * dpi), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 26)
    y = 180
    for block in paragraphs(lines):
        for line in block:
            draw.text((150, y), line, font=font, fill=0)
            y += 38
        y += 24
    with tempfile.TemporaryDirectory() as tmp:
        png = os.path.join(tmp, "page.png")
        img.save(png)
        c = canvas.Canvas(path, pagesize=letter, invariant=1)
        c.drawImage(ImageReader(png), 0, 0, width=letter[0], height=letter[1])
        c.showPage()
        c.save()


def main():
    for producer, make in [
        ("reportlab", lambda name, lines, path: reportlab_pdf(lines, path)),
        ("chromium", chromium_pdf),
        ("fpdf", lambda name, lines, path: fpdf_pdf(lines, path)),
        ("latex", latex_pdf),
        ("libreoffice", libreoffice_pdf),
        ("scan", lambda name, lines, path: scan_pdf(lines, path)),
    ]:
        if sys.argv[1:] and producer not in sys.argv[1:]:
            continue
        out = os.path.join(ROOT, producer)
        os.makedirs(out, exist_ok=True)
        for name, doc in texts.KINDS.items():
            make(name, doc["lines"], os.path.join(out, name))


if __name__ == "__main__":
    main()
