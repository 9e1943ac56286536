#!/usr/bin/env python3
"""Writes fixtures/schema/{train,dev}.json: sentences of our own for a small schema the shipped
relation model lacks, in CoNLL04's JSON (tokens, entity spans, relations), for
`docgraph train relations` in crates/train/tests/schema.rs.

The schema: Treats (DRUG -> DISEASE) and Founded_By (ORG -> PER). Drug and company names are
invented. Each sentence is written with its entities marked, `[text](TYPE)`, and its relations
as (predicate, head entity, tail entity) by entity index; sentences without a relation teach
"no relation" (a drug that causes an illness, a person who works for a company).

    python3 scripts/make_schema_fixture.py    # no dependencies; deterministic
"""
import json
import re
from pathlib import Path

T, F = "Treats", "Founded_By"

TRAIN = [
    ("[Velmora](DRUG) is prescribed for [migraine](DISEASE) .", [(T, 0, 1)]),
    ("Doctors treat [asthma](DISEASE) with [Zentrix](DRUG) .", [(T, 1, 0)]),
    ("[Oxalin](DRUG) relieves the pain of [gout](DISEASE) .", [(T, 0, 1)]),
    ("Patients with [psoriasis](DISEASE) improved on [Pramidol](DRUG) .", [(T, 1, 0)]),
    ("[Kestavir](DRUG) is a standard therapy for [malaria](DISEASE) .", [(T, 0, 1)]),
    ("[Lunafen](DRUG) helps adults with chronic [insomnia](DISEASE) .", [(T, 0, 1)]),
    ("A cream containing [Durabex](DRUG) clears mild [eczema](DISEASE) .", [(T, 0, 1)]),
    ("[Taloxin](DRUG) was approved last year to treat [bronchitis](DISEASE) .", [(T, 0, 1)]),
    ("For [anemia](DISEASE) , the clinic now gives [Mireval](DRUG) .", [(T, 1, 0)]),
    ("[Cortanol](DRUG) reduced liver damage in [hepatitis](DISEASE) patients .", [(T, 0, 1)]),
    ("The trial showed that [Zentrix](DRUG) cures [malaria](DISEASE) in children .", [(T, 0, 1)]),
    ("[Pramidol](DRUG) is the first choice against [gout](DISEASE) .", [(T, 0, 1)]),
    ("Nurses gave [Velmora](DRUG) to everyone whose [asthma](DISEASE) flared .", [(T, 0, 1)]),
    ("Physicians recommend [Kestavir](DRUG) for [eczema](DISEASE) that resists creams .", [(T, 0, 1)]),
    ("[Oxalin](DRUG) can cause [insomnia](DISEASE) in older patients .", []),
    ("[Lunafen](DRUG) sometimes triggers [migraine](DISEASE) .", []),
    ("Patients with [anemia](DISEASE) should avoid [Durabex](DRUG) .", []),
    ("[Taloxin](DRUG) did not help against [psoriasis](DISEASE) in the trial .", []),
    ("[Mireval](DRUG) and [Cortanol](DRUG) were stored beside each other .", []),
    ("Rates of [bronchitis](DISEASE) and [hepatitis](DISEASE) fell in the region .", []),
    ("[Velmora](DRUG) is prescribed for [gout](DISEASE) , but [Zentrix](DRUG) may worsen [asthma](DISEASE) .", [(T, 0, 1)]),
    ("[Zentrix](DRUG) may cause [eczema](DISEASE) as a side effect .", []),
    ("Doctors warn that [Kestavir](DRUG) can lead to [anemia](DISEASE) .", []),
    ("A rare side effect of [Pramidol](DRUG) is [hepatitis](DISEASE) .", []),
    ("[Cortanol](DRUG) may cause [migraine](DISEASE) in some adults .", []),
    ("Long use of [Mireval](DRUG) causes [gout](DISEASE) .", []),
    ("[Durabex](DRUG) eases [bronchitis](DISEASE) within days .", [(T, 0, 1)]),
    ("[Ingrid Halvorsen](PER) founded [Halvorsen Robotics](ORG) in 1998 .", [(F, 1, 0)]),
    ("[Brightwater Analytics](ORG) was started by [Tomas Reyes](PER) .", [(F, 0, 1)]),
    ("[Maria Costa](PER) works for [Brightwater Analytics](ORG) .", []),
    ("[Tomas Reyes](PER) left [Nordlicht Media](ORG) last year .", []),
    ("[Nordlicht Media](ORG) , founded by [Karl Weber](PER) , makes documentaries .", [(F, 0, 1)]),
    ("[Karl Weber](PER) set up [Nordlicht Media](ORG) with two friends .", [(F, 1, 0)]),
    ("[Aiko Tanaka](PER) is the chief executive of [Sakura Foods](ORG) .", []),
    ("[Sakura Foods](ORG) was established by [Hiro Tanaka](PER) in Osaka .", [(F, 0, 1)]),
    ("[Lena Novak](PER) created [Novak Design](ORG) after art school .", [(F, 1, 0)]),
    ("[Novak Design](ORG) hired [Peter Ames](PER) as its first engineer .", []),
    ("The founder of [Greenway Transit](ORG) , [Omar Haddad](PER) , spoke first .", [(F, 0, 1)]),
    ("[Omar Haddad](PER) visited the offices of [Bluepeak Energy](ORG) .", []),
    ("[Bluepeak Energy](ORG) owes its start to [Sofia Lind](PER) .", [(F, 0, 1)]),
    ("[Sofia Lind](PER) sold her shares in [Greenway Transit](ORG) .", []),
    ("[Daniel Okafor](PER) co-founded [Okafor Labs](ORG) with his sister .", [(F, 1, 0)]),
    ("[Okafor Labs](ORG) sued [Rita Gomez](PER) over a patent .", []),
    ("[Rita Gomez](PER) launched [Gomez Textiles](ORG) in a small garage .", [(F, 1, 0)]),
    ("Analysts at [Gomez Textiles](ORG) praised [Daniel Okafor](PER) .", []),
    ("[Harbor Line](ORG) was founded in 1971 by [Anders Berg](PER) .", [(F, 0, 1)]),
    ("[Anders Berg](PER) retired from [Harbor Line](ORG) in 2010 .", []),
    ("[Yusuf Demir](PER) , who founded [Demir Logistics](ORG) , turned sixty .", [(F, 1, 0)]),
    ("[Demir Logistics](ORG) appointed [Clara Stein](PER) to its board .", []),
    ("[Clara Stein](PER) started [Stein Audio](ORG) while still a student .", [(F, 1, 0)]),
    ("[Stein Audio](ORG) , the company [Clara Stein](PER) founded , grew quickly .", [(F, 0, 1)]),
    ("[Peter Ames](PER) interviewed the staff of [Sakura Foods](ORG) .", []),
    ("[Ingrid Halvorsen](PER) , founder of [Halvorsen Robotics](ORG) , met [Maria Costa](PER) .", [(F, 1, 0)]),
    ("[Hiro Tanaka](PER) opened [Tanaka Print](ORG) , and [Aiko Tanaka](PER) joined it later .", [(F, 1, 0)]),
]

DEV = [
    ("[Renalix](DRUG) is used to treat [asthma](DISEASE) .", [(T, 0, 1)]),
    ("Doctors prescribe [Fendrol](DRUG) for [migraine](DISEASE) .", [(T, 0, 1)]),
    ("[Renalix](DRUG) may cause [eczema](DISEASE) .", []),
    ("People with [gout](DISEASE) respond well to [Fendrol](DRUG) .", [(T, 1, 0)]),
    ("[Quill Studios](ORG) was founded by [Mara Quill](PER) .", [(F, 0, 1)]),
    ("[Jonas Frei](PER) founded [Frei Optics](ORG) in Bern .", [(F, 1, 0)]),
    ("[Mara Quill](PER) works at [Frei Optics](ORG) .", []),
    ("[Frei Optics](ORG) hired [Ines Duarte](PER) .", []),
    ("[Ines Duarte](PER) started [Duarte Foods](ORG) in 2012 .", [(F, 1, 0)]),
    ("[Kolvane](DRUG) relieves [bronchitis](DISEASE) symptoms .", [(T, 0, 1)]),
    ("[Kolvane](DRUG) can cause [insomnia](DISEASE) .", []),
    ("The standard therapy for [malaria](DISEASE) is [Sorbitex](DRUG) .", [(T, 1, 0)]),
    ("Long use of [Sorbitex](DRUG) may lead to [anemia](DISEASE) .", []),
    ("[Ostrava Mills](ORG) was established by [Petr Hola](PER) .", [(F, 0, 1)]),
    ("[Petr Hola](PER) met engineers from [Quill Studios](ORG) .", []),
    ("[Nadia Berg](PER) , founder of [Berg Ceramics](ORG) , gave a talk .", [(F, 1, 0)]),
    ("[Berg Ceramics](ORG) employs [Jonas Frei](PER) .", []),
    ("Patients with [psoriasis](DISEASE) are given [Renalix](DRUG) .", [(T, 1, 0)]),
    ("[Fendrol](DRUG) made the [eczema](DISEASE) worse .", []),
    ("[Lumen Health](ORG) , the firm [Ines Duarte](PER) started , opened a clinic .", [(F, 0, 1)]),
]

MARK = re.compile(r"\[([^\]]+)\]\(([A-Z_]+)\)")


def sentence(markup, relations):
    tokens, entities, pos = [], [], 0
    for m in MARK.finditer(markup):
        tokens += markup[pos:m.start()].split()
        words = m.group(1).split()
        entities.append({"start": len(tokens), "end": len(tokens) + len(words), "type": m.group(2)})
        tokens += words
        pos = m.end()
    tokens += markup[pos:].split()
    rels = [{"head": h, "tail": t, "type": p} for p, h, t in relations]
    for r in rels:
        assert r["head"] < len(entities) and r["tail"] < len(entities), markup
    return {"tokens": tokens, "entities": entities, "relations": rels}


def main():
    out = Path(__file__).resolve().parent.parent / "fixtures" / "schema"
    out.mkdir(parents=True, exist_ok=True)
    for name, data in (("train.json", TRAIN), ("dev.json", DEV)):
        rows = [json.dumps(sentence(m, r)) for m, r in data]
        text = "[\n" + ",\n".join(rows) + "\n]\n"
        (out / name).write_text(text)
        print(f"{out / name}: {len(data)} sentences")


if __name__ == "__main__":
    main()
