#!/usr/bin/env python3
"""Writes a news-like benchmark corpus: 40 documents, 41 pages, 16 of them scans.

The shape follows the corpus of the throughput issue (news articles, about 40 documents, 41
pages, 16 scanned), which the shipped fixtures do not have: their pages hold three to six
sentences, a news page thirty. Sentences are built from templates and name lists written for
this script, with a fixed seed, so the corpus is the same on every machine. Not committed
(about 9 MB); only `docgraph bench` reads it:

    pip install reportlab==5.1.0 pillow==13.0.0   # and fonts-dejavu-core from Debian
    python3 scripts/make_news_corpus.py /tmp/news40            # 30 sentences a page
    python3 scripts/make_news_corpus.py /tmp/news40-light 12   # 12 (scans 9)
    python3 scripts/make_news_corpus.py /tmp/news40-600 30 600 # scans at 600 dpi
    docgraph bench /tmp/news40

Beside the PDFs it writes entities.json: the entities each document names, by construction,
for entity F1 (see scripts/python_peer.py).
"""
import json
import os
import random
import sys
import textwrap

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

SEED = 20261123
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"

FIRST = ["Anna", "Lukas", "Mira", "Jonas", "Elena", "Tomas", "Sofia", "Karl", "Ines", "Pavel",
         "Clara", "Viktor", "Noemi", "Oskar", "Greta", "Marek", "Hanna", "Felix", "Lena", "Emil"]
LAST = ["Berger", "Novak", "Lindqvist", "Moretti", "Hartmann", "Kowalski", "Duarte", "Fischer",
        "Van Dijk", "Okafor", "Jansen", "Horvath", "Castell", "Nieminen", "Brandt", "Petrov"]
ORGS = ["Northwind Energy", "Baltic Rail", "Helios Pharma", "Corvus Bank", "Tessera Motors",
        "Aldgate Insurance", "Riverside University", "Meridian Airlines", "Quarry Steel",
        "Lumen Telecom", "Harbor Logistics", "Vela Foods", "Orchard Software", "Granite Capital"]
PLACES = ["Rotterdam", "Lyon", "Gdansk", "Porto", "Leipzig", "Tampere", "Graz", "Bilbao",
          "Bergen", "Brno", "Turin", "Aarhus", "Ghent", "Cork", "Malmo", "Zagreb"]
COUNTRIES = ["Norway", "Portugal", "Poland", "Austria", "Finland", "Ireland", "Croatia", "Spain"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]

TEMPLATES = [
    "{per} , chief executive of {org} , said on {day} that the company would hire two hundred people in {place} .",
    "{org} opened a new plant in {place} , its third in {country} .",
    "{per} , who joined {org} in 2019 , will lead the project from {place} .",
    "Shares of {org} rose four percent after {per} presented the quarterly figures .",
    "The mayor of {place} , {per} , welcomed the investment by {org} .",
    "{per} was born in {place} and studied engineering before moving to {country} .",
    "{org} agreed to buy a majority stake in {org2} for an undisclosed sum .",
    "Regulators in {country} are reviewing the merger of {org} and {org2} .",
    "{per} told reporters in {place} that talks with {org} had stalled .",
    "Analysts at {org} expect prices in {country} to fall next year .",
    "{per} and {per2} signed the agreement at the headquarters of {org} in {place} .",
    "{per2} , a spokesperson for {org} , declined to comment on the report .",
    "Workers at the {place} site of {org} voted to accept the new contract .",
    "{per} , who lives in {place} , has advised {org} on its expansion since {year} .",
    "The government of {country} lent {org} money to rebuild the bridge near {place} .",
]
FILLER = [
    "The figures were higher than most economists had expected .",
    "Construction is due to start early next spring , weather permitting .",
    "Prices for raw materials have risen sharply over the past twelve months .",
    "The agreement still needs the approval of the shareholders .",
    "Several smaller suppliers are expected to benefit from the contract .",
    "Details of the financing were not made public .",
    "The decision follows months of negotiations between the parties .",
    "Local residents have raised concerns about traffic and noise .",
]


# The entity type of each template field that names an entity (CoNLL-2003 types).
FIELD_TYPES = {"per": "PER", "per2": "PER", "org": "ORG", "org2": "ORG", "place": "LOC",
               "country": "LOC"}


def sentence(rng, entities):
    """A sentence; adds the entities it names to `entities` as (name, type)."""
    if rng.random() < 0.3:
        return rng.choice(FILLER)
    per, per2 = rng.sample([f"{f} {l}" for f in FIRST for l in LAST], 2)
    org, org2 = rng.sample(ORGS, 2)
    # Drawn in this order so the corpus is the one earlier versions of this script wrote.
    template = rng.choice(TEMPLATES)
    fields = dict(per=per, per2=per2, org=org, org2=org2, place=rng.choice(PLACES),
                  country=rng.choice(COUNTRIES), day=rng.choice(DAYS),
                  year=rng.randint(2005, 2022))
    for field, ty in FIELD_TYPES.items():
        if "{" + field + "}" in template:
            entities.add((fields[field], ty))
    return template.format(**fields)


def page_text(rng, entities, sentences=30):
    text = " ".join(sentence(rng, entities) for _ in range(sentences))
    return text.replace(" ,", ",").replace(" .", ".")


def text_pdf(path, pages):
    c = canvas.Canvas(path, pagesize=A4)
    for text in pages:
        y = 800
        for line in textwrap.wrap(text, 95):
            c.setFont("Times-Roman", 10)
            c.drawString(50, y, line)
            y -= 13
        c.showPage()
    c.save()


def scan_pdf(path, text, dpi=300):
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    img = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(DEJAVU, int(dpi * 11 / 72))
    y = dpi // 2
    for line in textwrap.wrap(text, 80):
        draw.text((dpi // 2, y), line, fill=20, font=font)
        y += int(dpi * 15 / 72)
    img.save(path, "PDF", resolution=dpi, quality=80)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "news40"
    # Sentences on a text page (a scanned page holds three quarters of them); 30 by default,
    # fewer for a lighter corpus (e.g. 12).
    per_page = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    # Resolution of the scans; 300 by default, finer (e.g. 600) as archives scan.
    scan_dpi = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    os.makedirs(out, exist_ok=True)
    rng = random.Random(SEED)
    docs = ["text"] * 24 + ["scan"] * 16
    rng.shuffle(docs)
    two_pages = docs.index("text")
    truth = {}
    for i, kind in enumerate(docs):
        name = f"article-{i:02d}.pdf"
        path = os.path.join(out, name)
        entities = set()
        if kind == "scan":
            scan_pdf(path, page_text(rng, entities, sentences=per_page * 3 // 4), scan_dpi)
        else:
            pages = 2 if i == two_pages else 1
            text_pdf(path, [page_text(rng, entities, per_page) for _ in range(pages)])
        truth[name] = sorted(entities)
    # The entities each document names, by construction (for entity F1, e.g. with
    # scripts/python_peer.py); docgraph reads only the PDFs.
    with open(os.path.join(out, "entities.json"), "w") as f:
        json.dump(truth, f, indent=1)
    print(f"{len(docs)} documents in {out}")


if __name__ == "__main__":
    main()
