//! Stage 1: find the PDFs below a folder (or take one file, or a list of files and folders).
//!
//! A file is taken when its name ends in `.pdf` (any case) or when its first bytes hold the
//! `%PDF-` marker, so a PDF without the extension is found and a broken file with the extension
//! is reported rather than silently skipped. Symbolic links are followed; loops are detected by
//! `walkdir` and reported as warnings, and a file reached twice through links is taken once.

use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A file the pipeline will process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// Where it is on disk.
    pub path: PathBuf,
    /// Its path relative to the input folder, with `/` separators: the document's name in every
    /// output.
    pub rel: String,
    /// Size in bytes when walked.
    pub size: u64,
}

/// What the walk found: the files to process and what it could not read.
#[derive(Debug, Default)]
pub struct Discovery {
    /// PDF candidates, sorted by relative path.
    pub files: Vec<Discovered>,
    /// Folders or links the walk could not follow (permissions, symlink loops), in words.
    pub warnings: Vec<String>,
}

/// Bytes searched for the `%PDF-` marker; the PDF specification allows leading junk and
/// readers commonly accept the marker within the first kilobyte.
const SNIFF_BYTES: usize = 1024;

/// Does this byte prefix look like a PDF?
pub fn has_pdf_header(prefix: &[u8]) -> bool {
    let n = prefix.len().min(SNIFF_BYTES);
    prefix[..n].windows(5).any(|w| w == b"%PDF-")
}

fn sniff(path: &Path) -> bool {
    let mut buf = [0u8; SNIFF_BYTES];
    let Ok(mut f) = File::open(path) else {
        return false;
    };
    let mut filled = 0;
    while filled < buf.len() {
        match f.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    has_pdf_header(&buf[..filled])
}

fn has_pdf_extension(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
}

/// Walks `root` recursively and returns the PDFs found, sorted by relative path.
///
/// `exclude` names a folder to leave out (the output folder, when it sits inside the input).
pub fn discover(root: &Path, exclude: Option<&Path>) -> Result<Discovery> {
    let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
    if meta.is_file() {
        // One file: processed whatever it holds (a file that is not a PDF is reported so).
        let rel = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| root.display().to_string());
        return Ok(Discovery {
            files: vec![Discovered {
                path: root.to_path_buf(),
                rel,
                size: meta.len(),
            }],
            warnings: Vec::new(),
        });
    }
    if !meta.is_dir() {
        return Err(Error::Config(format!(
            "{} is neither a file nor a folder",
            root.display()
        )));
    }
    let exclude = exclude.and_then(|p| p.canonicalize().ok());
    if let (Some(ex), Ok(r)) = (&exclude, root.canonicalize()) {
        if &r == ex {
            return Err(Error::Config(format!(
                "the output folder {} is the input folder {}: write the outputs elsewhere (-o)",
                ex.display(),
                root.display()
            )));
        }
    }
    let mut seen = HashSet::new();
    let mut out = Discovery::default();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        // Only folders can be the excluded one; files are not resolved.
        .filter_entry(|e| match &exclude {
            Some(ex) if e.file_type().is_dir() => {
                e.path().canonicalize().map(|c| &c != ex).unwrap_or(true)
            }
            _ => true,
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                out.warnings.push(e.to_string());
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        if !(has_pdf_extension(path) || sniff(path)) {
            continue;
        }
        // The same file reached through two links is processed once.
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if !seen.insert(canonical) {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .unwrap_or(path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        out.files.push(Discovered {
            path: path.to_path_buf(),
            rel,
            size,
        });
    }
    out.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// The files of a list of paths (as given on standard input): a file is taken as it is, a
/// folder is walked; each document is named by its path as given (a folder's files by the
/// folder's path joined with theirs). A path that cannot be read is a warning; a file listed
/// twice is taken once.
pub fn discover_list(paths: &[PathBuf], exclude: Option<&Path>) -> Result<Discovery> {
    let mut out = Discovery::default();
    let mut seen = HashSet::new();
    for p in paths {
        let found = match discover(p, exclude) {
            Ok(d) => d,
            Err(e) => {
                out.warnings.push(e.to_string());
                continue;
            }
        };
        out.warnings.extend(found.warnings);
        let prefix = p.to_string_lossy().trim_end_matches('/').to_string();
        let single = p.is_file();
        for mut f in found.files {
            if !seen.insert(f.path.canonicalize().unwrap_or_else(|_| f.path.clone())) {
                continue;
            }
            f.rel = if single {
                prefix.clone()
            } else {
                format!("{prefix}/{}", f.rel)
            };
            out.files.push(f);
        }
    }
    out.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn a_single_file_and_a_list_are_inputs_too() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("a.pdf"), b"%PDF-1.4\n").unwrap();
        fs::write(dir.path().join("sub/b.pdf"), b"%PDF-1.4\n").unwrap();
        let one = discover(&dir.path().join("a.pdf"), None).unwrap();
        assert_eq!(one.files.len(), 1);
        assert_eq!(one.files[0].rel, "a.pdf");
        let list = discover_list(
            &[
                dir.path().join("a.pdf"),
                dir.path().join("sub"),
                dir.path().join("a.pdf"),
                dir.path().join("missing.pdf"),
            ],
            None,
        )
        .unwrap();
        let names: Vec<_> = list.files.iter().map(|f| f.rel.clone()).collect();
        let d = dir.path().display();
        assert_eq!(names, vec![format!("{d}/a.pdf"), format!("{d}/sub/b.pdf")]);
        assert_eq!(list.warnings.len(), 1, "{:?}", list.warnings);
    }

    #[test]
    fn an_output_folder_that_is_the_input_is_refused_one_inside_it_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.pdf"), b"%PDF-1.4\n").unwrap();
        fs::create_dir(dir.path().join("out")).unwrap();
        fs::write(dir.path().join("out/b.pdf"), b"%PDF-1.4\n").unwrap();
        let err = discover(dir.path(), Some(dir.path())).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
        assert!(
            discover(&dir.path().join("out"), Some(dir.path())).is_ok(),
            "outputs beside the input folder's parent are no conflict"
        );
        let found = discover(dir.path(), Some(&dir.path().join("out"))).unwrap();
        let names: Vec<_> = found.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(names, ["a.pdf"]);
    }

    #[test]
    fn header_sniffing_accepts_leading_junk_and_rejects_text() {
        assert!(has_pdf_header(b"%PDF-1.7\n"));
        assert!(has_pdf_header(b"\xef\xbb\xbfjunk %PDF-1.4"));
        assert!(!has_pdf_header(b"hello world"));
        assert!(!has_pdf_header(b""));
    }

    #[test]
    fn finds_pdfs_by_extension_and_content_and_survives_symlink_loops() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::write(root.join("a/b/one.PDF"), b"not really").unwrap();
        fs::write(root.join("a/two"), b"%PDF-1.4 content").unwrap();
        fs::write(root.join("notes.txt"), b"plain text").unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("a/b/loop")).unwrap();
        std::os::unix::fs::symlink(root.join("a/two"), root.join("alias.pdf")).unwrap();

        let found = discover(root, None).unwrap();
        let rels: Vec<_> = found.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            rels,
            vec!["a/b/one.PDF", "a/two"],
            "warnings: {:?}",
            found.warnings
        );
        assert!(
            found.warnings.iter().any(|w| w.contains("loop")),
            "the symlink loop is reported: {:?}",
            found.warnings
        );
    }

    #[test]
    fn excludes_the_output_folder() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("out")).unwrap();
        fs::write(dir.path().join("out/x.pdf"), b"%PDF-").unwrap();
        fs::write(dir.path().join("y.pdf"), b"%PDF-").unwrap();
        let found = discover(dir.path(), Some(&dir.path().join("out"))).unwrap();
        assert_eq!(found.files.len(), 1);
        assert_eq!(found.files[0].rel, "y.pdf");
    }
}
