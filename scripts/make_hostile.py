#!/usr/bin/env python3
"""Generates fixtures/hostile/: files built to break PDF readers, each with the outcome docgraph
must give (fixtures/hostile/expected.json). Raw bytes written by hand, plus pikepdf for the
thousand-page file. Needs: pip install pikepdf.
"""
import io
import json
import os
import shutil
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "hostile")
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
TEXT = (b"BT /F1 12 Tf 72 720 Td (Siemens opened a new research centre in Munich on Monday.) Tj "
        b"0 -16 Td (Chief executive Roland Busch welcomed the engineers.) Tj ET")


def pdf(objs, root=1, xref_shift=0, trailer_extra=b"", version=b"1.4"):
    """A PDF from numbered object bodies (1-based), with a classic xref table."""
    out = b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n"
    offs = []
    for i, body in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offs:
        out += b"%010d 00000 n \n" % (off + xref_shift)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, root, trailer_extra, xref + xref_shift)
    return out


def stream(data, extra=b""):
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def page_doc(content, resources=b"<< /Font << /F1 5 0 R >> >>", more=()):
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources %s >>" % resources,
        stream(content),
        FONT,
        *more,
    ]


def write(name, data):
    with open(os.path.join(ROOT, name), "wb") as f:
        f.write(data)


def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    os.makedirs(ROOT)
    expected = {}

    write("control-good.pdf", pdf(page_doc(TEXT)))
    expected["control-good.pdf"] = {"status": "ok", "contains": "Roland Busch"}

    write("zero-bytes.pdf", b"")
    expected["zero-bytes.pdf"] = {"status": "failed", "kind": "empty_file"}

    write("not-a-pdf.pdf", b"GIF89a this is an image file wearing a .pdf name\n")
    expected["not-a-pdf.pdf"] = {"status": "failed", "kind": "not_pdf"}

    good = pdf(page_doc(TEXT))
    write("truncated.pdf", good[: len(good) // 2])
    expected["truncated.pdf"] = {"status": "any"}

    write("wrong-xref-offsets.pdf", pdf(page_doc(TEXT), xref_shift=37))
    expected["wrong-xref-offsets.pdf"] = {"status": "ok", "contains": "Roland Busch"}

    no_xref = good[: good.index(b"xref")] + b"%%EOF\n"
    write("no-xref-table.pdf", no_xref)
    expected["no-xref-table.pdf"] = {"status": "ok", "contains": "Roland Busch"}

    # The page tree's only kid is the tree itself.
    circular = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        stream(TEXT),
        FONT,
    ]
    write("circular-page-tree.pdf", pdf(circular))
    expected["circular-page-tree.pdf"] = {"status": "any"}

    # Contents is an object that is a reference to itself; a Form XObject that draws itself.
    selfref = page_doc(b"/X1 Do", resources=b"<< /Font << /F1 5 0 R >> /XObject << /X1 6 0 R >> >>",
                       more=[stream(b"/X1 Do " + TEXT, b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> /XObject << /X1 6 0 R >> >> ")])
    selfref.append(b"7 0 R")
    write("self-referencing.pdf", pdf(selfref))
    expected["self-referencing.pdf"] = {"status": "ok", "contains": "Roland Busch"}

    depth = 10000
    deep = page_doc(TEXT)
    deep[0] = b"<< /Type /Catalog /Pages 2 0 R /Deep " + b"[" * depth + b"]" * depth + b" /Deeper " + b"<< /A " * 2000 + b">>" * 2000 + b" >>"
    deep[3] = stream(TEXT + b" " + b"[" * depth + b"]" * depth)
    write("deep-nesting.pdf", pdf(deep))
    expected["deep-nesting.pdf"] = {"status": "any"}

    # 4 GiB of zeros behind two Flate filters: a few kilobytes on disk.
    chunk = zlib.compressobj(9)
    inner = b"".join(chunk.compress(b"\0" * (1 << 24)) for _ in range(256)) + chunk.flush()
    outer = zlib.compress(inner, 9)
    bomb = page_doc(b"")
    bomb[3] = stream(outer, b"/Filter [/FlateDecode /FlateDecode] ")
    write("decompression-bomb.pdf", pdf(bomb))
    expected["decompression-bomb.pdf"] = {"status": "any", "bounded": True}

    huge = page_doc(b"q 612 0 0 792 0 0 cm /Im1 Do Q", resources=b"<< /XObject << /Im1 6 0 R >> >>",
                    more=[stream(zlib.compress(b"\xff" * 1000), b"/Type /XObject /Subtype /Image /Width 200000 /Height 200000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode ")])
    write("enormous-image.pdf", pdf(huge))
    expected["enormous-image.pdf"] = {"status": "ok", "ocr_error": "over the limit"}

    import pikepdf
    many = pikepdf.new()
    content = many.make_stream(b"BT /F1 9 Tf 72 40 Td (p.) Tj ET")
    font = many.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    for _ in range(3000):
        many.pages.append(pikepdf.Page(pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792], Contents=content,
                                                          Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)))))
    many.save(os.path.join(ROOT, "three-thousand-pages.pdf"), compress_streams=True,
              object_stream_mode=pikepdf.ObjectStreamMode.generate, deterministic_id=True)
    expected["three-thousand-pages.pdf"] = {"status": "ok", "pages": 3000}

    pw = pikepdf.open(os.path.join(ROOT, "control-good.pdf"))
    pw.save(os.path.join(ROOT, "password-protected.pdf"), encryption=pikepdf.Encryption(user="secret", owner="owner", R=6))
    expected["password-protected.pdf"] = {"status": "failed", "kind": "password_required"}

    # A user password with compressed object streams (the page tree is inside encrypted
    # streams), and the same with the catalog reference broken: both need the password, and
    # must be reported so whatever else is wrong with them.
    with pikepdf.open(os.path.join(ROOT, "control-good.pdf")) as p:
        p.save(os.path.join(ROOT, "password-object-streams.pdf"),
               encryption=pikepdf.Encryption(user="secret", owner="owner", R=6),
               object_stream_mode=pikepdf.ObjectStreamMode.generate)
    expected["password-object-streams.pdf"] = {"status": "failed", "kind": "password_required"}
    with open(os.path.join(ROOT, "password-object-streams.pdf"), "rb") as f:
        data = f.read()
    with open(os.path.join(ROOT, "password-damaged-page-tree.pdf"), "wb") as f:
        f.write(data.replace(b"/Root", b"/Rxxx", 1))
    expected["password-damaged-page-tree.pdf"] = {"status": "failed", "kind": "password_required"}

    # A JPEG scan with extraneous bytes before its end marker: readable, and libjpeg warns on
    # standard error while decoding it (docgraph passes such lines on in its own format).
    import img2pdf
    from PIL import Image, ImageDraw, ImageFont
    img = Image.new("L", (2550, 600), 255)
    ImageDraw.Draw(img).text((300, 250), "Maria Lopez visited the Prado Museum in Madrid.",
                             font=ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 50), fill=0)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80, dpi=(300, 300))
    jpeg = buf.getvalue()
    with open(os.path.join(ROOT, "corrupt-jpeg-scan.pdf"), "wb") as f:
        f.write(img2pdf.convert([jpeg[:-2] + b"\x00\x11\x22" + jpeg[-2:]], nodate=True))
    expected["corrupt-jpeg-scan.pdf"] = {"status": "ok", "contains": "Madrid"}

    # Encrypted with an empty user password, as many producers do to set permissions: readable.
    for name, enc in [("aes128-empty-password.pdf", pikepdf.Encryption(user="", owner="owner", R=4, aes=True)),
                      ("aes256-empty-password.pdf", pikepdf.Encryption(user="", owner="owner", R=6))]:
        with pikepdf.open(os.path.join(ROOT, "control-good.pdf")) as p:
            p.save(os.path.join(ROOT, name), encryption=enc)
        expected[name] = {"status": "ok", "contains": "Roland Busch"}

    with open(os.path.join(ROOT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    for name in sorted(os.listdir(ROOT)):
        print(f"{name:32s} {os.path.getsize(os.path.join(ROOT, name)):8d} bytes")


if __name__ == "__main__":
    main()
