//! Fuzzes loading and text extraction: parse, walk the pages, interpret their content, lay the
//! text out, judge it, and decode the images OCR would be given. Any panic, hang or runaway
//! allocation here is a bug (the pipeline would turn a panic into a document error, but it
//! should not need to).
#![no_main]

use docgraph::extract::{self, ImageRef, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_file_bytes: 1 << 20, max_pages: 64, max_stream_bytes: 16 << 20 };
    let _ = extract::inline_images(data);
    let Ok(doc) = extract::parse(data, &limits) else { return };
    let Ok(pages) = extract::pages(&doc, &limits) else { return };
    for (_, id) in pages.into_iter().take(16) {
        let _ = extract::page_size(&doc, id);
        let Ok(content) = extract::page_content(&doc, id, limits.max_stream_bytes) else { continue };
        let text = extract::layout(&content.glyphs);
        let _ = extract::assess(&text);
        for placement in content.images.iter().take(4) {
            let stream = match &placement.image {
                ImageRef::Object(oid) => match doc.get_object(*oid).and_then(|o| o.as_stream()) {
                    Ok(s) => s.clone(),
                    Err(_) => continue,
                },
                ImageRef::Inline(s) => (**s).clone(),
            };
            let _ = docgraph::ocr::decode_image(&doc, &stream, limits.max_stream_bytes);
        }
    }
});
