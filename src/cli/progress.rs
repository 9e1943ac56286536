//! Progress on stderr: a status line on a terminal, JSON lines for programs.

use docgraph::Progress;

/// A progress event as one line of JSON.
pub fn progress_json(p: &Progress) -> serde_json::Value {
    match p {
        Progress::Discovered { documents } => {
            serde_json::json!({ "event": "discovered", "documents": documents })
        }
        Progress::Document {
            done,
            total,
            pages,
            ocr_pages,
            elapsed,
            path,
            status,
        } => serde_json::json!({
            "event": "document",
            "done": done,
            "total": total,
            "pages_done": pages,
            "ocr_pages_done": ocr_pages,
            "elapsed_s": elapsed.as_secs_f64(),
            "eta_s": p.eta().map(|d| d.as_secs_f64()),
            "path": path,
            "status": status,
        }),
        Progress::Assembling => serde_json::json!({ "event": "assembling" }),
    }
}

pub fn draw_progress(p: &Progress) {
    match p {
        Progress::Discovered { documents } => err!("\r\x1b[2Kdocgraph: {documents} PDFs found"),
        Progress::Document {
            done,
            total,
            pages,
            ocr_pages,
            elapsed,
            path,
            ..
        } => {
            let secs = elapsed.as_secs_f64().max(1e-3);
            let eta = p
                .eta()
                .map(|d| format!("{}s", d.as_secs()))
                .unwrap_or_else(|| "?".into());
            err!(
                "\r\x1b[2K[{done}/{total}] {pages} pages ({ocr_pages} OCR) | {:.2} docs/s {:.1} pages/s | ETA {eta} | {path}",
                *done as f64 / secs,
                *pages as f64 / secs,
            );
        }
        Progress::Assembling => err!("\r\x1b[2Kdocgraph: assembling the graph…"),
    }
}
