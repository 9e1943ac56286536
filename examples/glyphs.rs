//! Debugging aid: prints what docgraph sees on each page of a PDF: glyph positions, images,
//! the laid-out text and the verdict on it.
//!
//!     cargo run --release --example glyphs -- file.pdf [page]

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: cargo run --release --example glyphs -- FILE.pdf [PAGE]");
        std::process::exit(2);
    };
    let only: Option<u32> = args.next().and_then(|p| p.parse().ok());
    let limits = docgraph::extract::Limits::default();
    let bytes = docgraph::extract::read_pdf(path.as_ref(), &limits).expect("readable PDF");
    let doc = docgraph::extract::parse(&bytes, &limits).expect("parsable PDF");
    for (number, id) in docgraph::extract::pages(&doc, &limits).expect("pages") {
        if only.is_some_and(|p| p != number) {
            continue;
        }
        println!("=== page {number}");
        match docgraph::extract::page_content(&doc, id, limits.max_stream_bytes) {
            Ok(content) => {
                for g in &content.glyphs {
                    println!(
                        "{:8.2} {:8.2} {:8.2} size {:5.2} dir {} {:?}",
                        g.x0, g.x1, g.y, g.size, g.dir, g.text
                    );
                }
                for i in &content.images {
                    let what = match &i.image {
                        docgraph::extract::ImageRef::Object(id) => format!("XObject {id:?}"),
                        docgraph::extract::ImageRef::Inline(s) => format!(
                            "inline {}",
                            s.dict
                                .iter()
                                .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
                                .collect::<Vec<_>>()
                                .join(",")
                        ),
                    };
                    println!("image {what} drawn {:.0}x{:.0} pt", i.width_pt, i.height_pt);
                }
                let text = docgraph::extract::layout(&content.glyphs);
                println!("--- text ({:?}):\n{text}", docgraph::extract::assess(&text));
            }
            Err(e) => println!("error: {e}"),
        }
    }
}
