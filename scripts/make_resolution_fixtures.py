#!/usr/bin/env python3
"""Generates fixtures/resolution/: a gold set for cross-document entity resolution.

Short news items written for the purpose, where every name is known by construction: which
real-world entity each surface form in each document refers to. The set holds surnames used
alone in other documents, acronyms and their expansions, short forms of countries, company
suffixes, homonyms that must stay apart (two people sharing a surname, a country and a person's
surname), abbreviations with periods, and names at line ends. Lines are placed as written here
(no re-wrapping), so line breaks fall where the tests need them.

    pip install reportlab
    python3 scripts/make_resolution_fixtures.py

Writes one PDF per document and gold.json: entities (type, canonical name) and, per document,
its lines and the surface forms it contains with the entity each refers to.
"""
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "resolution")

ENTITIES = {
    "ellison": ("PER", "Margaret Ellison"),
    "halvorsen": ("ORG", "Halvorsen Industries"),
    "oslo": ("LOC", "Oslo"),
    "norway": ("LOC", "Norway"),
    "david_park": ("PER", "David Park"),
    "susan_park": ("PER", "Susan Park"),
    "seoul": ("LOC", "Seoul"),
    "esa": ("ORG", "European Space Agency"),
    "paris": ("LOC", "Paris"),
    "us": ("LOC", "United States"),
    "uk": ("LOC", "United Kingdom"),
    "brightwater": ("ORG", "Brightwater Holdings"),
    "london": ("LOC", "London"),
    "keller": ("ORG", "Keller AG"),
    "zurich": ("LOC", "Zurich"),
    "jordan_country": ("LOC", "Jordan"),
    "amman": ("LOC", "Amman"),
    "eric_jordan": ("PER", "Eric Jordan"),
    "ilo": ("ORG", "International Labour Organization"),
    "geneva": ("LOC", "Geneva"),
    "anna_weber": ("PER", "Anna Weber"),
    "vail": ("LOC", "Vail"),
    "colorado": ("LOC", "Colorado"),
    "tomas_novak": ("PER", "Tomas Novak"),
    "prague": ("LOC", "Prague"),
    "nga": ("ORG", "National Grid Authority"),
    "lena_fischer": ("PER", "Lena Fischer"),
    "berlin": ("LOC", "Berlin"),
    "germany": ("LOC", "Germany"),
    "washington": ("LOC", "Washington"),
    "priya_raman": ("PER", "Priya Raman"),
    "mumbai": ("LOC", "Mumbai"),
    "india": ("LOC", "India"),
    "tata": ("ORG", "Tata Motors"),
    "north_atlantic": ("LOC", "North Atlantic"),
    "french_guiana": ("LOC", "French Guiana"),
    "czech": ("MISC", "Czech"),
}

# Each document: its lines as printed, and the surface forms in it with their entity.
DOCS = {
    "01-ellison-appointed.pdf": (
        ["Halvorsen Industries named Margaret Ellison as its chief executive on Monday.",
         "Ellison joined the company in Oslo twelve years ago and led its shipping unit.",
         "The board said Halvorsen Industries will keep its headquarters in Norway."],
        {"Halvorsen Industries": "halvorsen", "Margaret Ellison": "ellison", "Ellison": "ellison",
         "Oslo": "oslo", "Norway": "norway"}),
    "02-ellison-results.pdf": (
        ["Ellison presented quarterly results that beat forecasts.",
         "Halvorsen reported higher freight volumes from Oslo and the North Atlantic routes.",
         "Analysts said Ellison had cut costs faster than expected."],
        {"Ellison": "ellison", "Halvorsen": "halvorsen", "Oslo": "oslo", "North Atlantic": "north_atlantic"}),
    "03-halvorsen-suffix.pdf": (
        ["Halvorsen Industries ASA will buy a ferry operator in Norway.",
         "Margaret Ellison said the deal would close before the summer."],
        {"Halvorsen Industries ASA": "halvorsen", "Norway": "norway", "Margaret Ellison": "ellison"}),
    "04-david-park.pdf": (
        ["David Park, an engineer at a robotics start-up in Seoul, won a design award.",
         "Park said the prize money would go to his team."],
        {"David Park": "david_park", "Seoul": "seoul", "Park": "david_park"}),
    "05-susan-park.pdf": (
        ["Susan Park was elected mayor of a district in Seoul on Sunday.",
         "Park promised cheaper public transport and more parks."],
        {"Susan Park": "susan_park", "Seoul": "seoul", "Park": "susan_park"}),
    "06-esa-launch.pdf": (
        ["The European Space Agency launched a weather satellite from French Guiana.",
         "Officials in Paris said the European Space Agency would publish the first images soon."],
        {"European Space Agency": "esa", "Paris": "paris", "French Guiana": "french_guiana"}),
    "07-esa-budget.pdf": (
        ["ESA asked member states for a larger budget at a meeting in Paris.",
         "The United States and the United Kingdom attended as observers."],
        {"ESA": "esa", "Paris": "paris", "United States": "us", "United Kingdom": "uk"}),
    "08-us-trade.pdf": (
        ["The U.S. trade deficit narrowed in March, officials in Washington said.",
         "Exports to the U.K. rose for the third month in a row."],
        {"U.S.": "us", "Washington": "washington", "U.K.": "uk"}),
    "09-us-short.pdf": (
        ["Imports from Britain fell while shipments to the US grew.",
         "Economists in London expect the trend to continue."],
        {"Britain": "uk", "US": "us", "London": "london"}),
    "10-brightwater.pdf": (
        ["Brightwater Holdings plc raised its dividend after a strong year in London.",
         "Brightwater Holdings owns hotels in Britain and Germany."],
        {"Brightwater Holdings plc": "brightwater", "London": "london",
         "Brightwater Holdings": "brightwater", "Britain": "uk", "Germany": "germany"}),
    "11-brightwater-short.pdf": (
        ["Shares in Brightwater Holdings fell in London on Tuesday.",
         "The company blamed higher energy prices in the United Kingdom."],
        {"Brightwater Holdings": "brightwater", "London": "london", "United Kingdom": "uk"}),
    "12-keller.pdf": (
        ["Keller AG opened a new factory near Zurich.",
         "Keller makes precision valves for the chemical industry."],
        {"Keller AG": "keller", "Zurich": "zurich", "Keller": "keller"}),
    "13-jordan-country.pdf": (
        ["Jordan signed a water agreement with its neighbours in Amman.",
         "The government of Jordan said the pipeline would open next year."],
        {"Jordan": "jordan_country", "Amman": "amman"}),
    "14-eric-jordan.pdf": (
        ["Eric Jordan coached the national rugby team for six seasons.",
         "Jordan said on Friday that he would retire in Colorado."],
        {"Eric Jordan": "eric_jordan", "Jordan": "eric_jordan", "Colorado": "colorado"}),
    "15-ilo.pdf": (
        ["The International Labour Organization warned of rising youth unemployment.",
         "Its report was presented in Geneva by the director of the agency."],
        {"International Labour Organization": "ilo", "Geneva": "geneva"}),
    "16-ilo-short.pdf": (
        ["The ILO said wages in India grew faster than prices last year.",
         "Union leaders in Mumbai welcomed the findings."],
        {"ILO": "ilo", "India": "india", "Mumbai": "mumbai"}),
    "17-weber-line-end.pdf": (
        ["Anna Weber won the women's Super G.",
         "Vail will host the next race of the season on Sunday, organisers in Colorado said.",
         "Weber now leads the overall standings."],
        {"Anna Weber": "anna_weber", "Vail": "vail", "Colorado": "colorado", "Weber": "anna_weber"}),
    "18-weber-again.pdf": (
        ["Weber trained in Vail for two weeks before the championships.",
         "Her coach said Anna Weber was in the best form of her career."],
        {"Weber": "anna_weber", "Vail": "vail", "Anna Weber": "anna_weber"}),
    "19-novak-line-end.pdf": (
        ["The Czech tennis player Tomas",
         "Novak reached the final of the tournament in Prague after a long match.",
         "Novak will face a qualifier on Saturday."],
        {"Czech": "czech", "Tomas Novak": "tomas_novak", "Prague": "prague", "Novak": "tomas_novak"}),
    "20-nga.pdf": (
        ["The National Grid Authority approved a new power line between Berlin and the coast.",
         "Lena Fischer, who chairs the National Grid Authority, called it vital for Germany."],
        {"National Grid Authority": "nga", "Berlin": "berlin", "Lena Fischer": "lena_fischer",
         "Germany": "germany"}),
    "21-nga-short.pdf": (
        ["NGA engineers began surveying the route outside Berlin.",
         "Fischer said construction would start in the spring."],
        {"NGA": "nga", "Berlin": "berlin", "Fischer": "lena_fischer"}),
    "22-raman.pdf": (
        ["Priya Raman joined Tata Motors as head of research in Mumbai.",
         "Raman previously worked on batteries in the United States.",
         "Tata Motors said Raman would report to the board in India."],
        {"Priya Raman": "priya_raman", "Tata Motors": "tata", "Mumbai": "mumbai",
         "Raman": "priya_raman", "United States": "us", "India": "india"}),
}


def write_pdf(path, lines):
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(path, pagesize=letter, invariant=1)
    t = c.beginText(72, 720)
    t.setFont("Helvetica", 11)
    for line in lines:
        t.textLine(line)
    c.drawText(t)
    c.showPage()
    c.save()


def main():
    os.makedirs(ROOT, exist_ok=True)
    for name, (lines, mentions) in DOCS.items():
        text = "\n".join(lines)
        for surface, entity in mentions.items():
            assert entity in ENTITIES, entity
            assert surface in text.replace("\n", " "), (name, surface)
        write_pdf(os.path.join(ROOT, name), lines)
    gold = {
        "entities": {k: {"type": t, "name": n} for k, (t, n) in ENTITIES.items()},
        "documents": {name: {"lines": lines, "mentions": mentions}
                      for name, (lines, mentions) in DOCS.items()},
    }
    with open(os.path.join(ROOT, "gold.json"), "w") as f:
        json.dump(gold, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"{len(DOCS)} documents, {len(ENTITIES)} entities in {ROOT}")


if __name__ == "__main__":
    main()
