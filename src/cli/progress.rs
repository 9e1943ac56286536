//! Progress on stderr: a status line on a terminal, JSON lines for programs.

use docgraph::Progress;

/// The status line cut to `width` columns (one left free, so the terminal never wraps it).
fn fit(line: &str, width: usize) -> String {
    line.chars().take(width.saturating_sub(1)).collect()
}

/// Draws one status line over the last.
fn status(line: &str) {
    let width = super::native::terminal_width().unwrap_or(usize::MAX);
    err!("\r\x1b[2K{}", fit(line, width));
}

pub fn draw_progress(p: &Progress) {
    match p {
        Progress::Discovered { documents } => status(&format!("docgraph: {documents} PDFs found")),
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
            status(&format!(
                "[{done}/{total}] {pages} pages ({ocr_pages} OCR) | {:.2} docs/s {:.1} pages/s | ETA {eta} | {path}",
                *done as f64 / secs,
                *pages as f64 / secs,
            ));
        }
        Progress::Pages {
            done,
            total,
            pages,
            sentences,
            pairs,
            elapsed,
        } => status(&format!(
            "[{done}/{total}] {pages} pages, {sentences} sentences, {pairs} relation pairs read | {:.1} pages/s | working…",
            *pages as f64 / elapsed.as_secs_f64().max(1e-3)
        )),
        Progress::Assembling => status("docgraph: assembling the graph…"),
    }
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn the_status_line_never_wraps() {
        assert_eq!(
            fit("[3/17] 12 pages | ETA 4s | a/long/path.pdf", 20),
            "[3/17] 12 pages | E"
        );
        assert_eq!(fit("short", 80), "short");
        assert_eq!(fit("ääää", 3).chars().count(), 2, "columns, not bytes");
    }
}
