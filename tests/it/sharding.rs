//! Shards and merge, through the binary as array jobs use it: `ingest --shard K/N` runs whose
//! outputs `merge` joins into exactly what one `ingest` of the whole folder writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::common::{corpus, root};
use serde_json::Value;

fn docgraph() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_docgraph"));
    c.env(
        "DOCGRAPH_MODEL_DIR",
        root().join("models/ner-minilm-l6-conll03"),
    )
    .env_remove("SLURM_ARRAY_TASK_ID")
    .env_remove("SLURM_ARRAY_TASK_MIN")
    .env_remove("JOB_COMPLETION_INDEX");
    c
}

/// Runs the command and prints everything it said (shown when a test fails).
fn run(c: &mut Command) -> Output {
    let out = c.output().expect("docgraph runs");
    println!("$ {c:?}\nexit {:?}", out.status.code());
    println!("stdout:\n{}", String::from_utf8_lossy(&out.stdout));
    println!("stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn ingest(input: &Path, out: &Path, extra: &[&str]) -> Output {
    run(docgraph()
        .args(["ingest", "--quiet"])
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(extra))
}

fn merge(inputs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    run(docgraph()
        .arg("merge")
        .args(inputs)
        .arg("-o")
        .arg(out)
        .args(extra))
}

fn report(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

fn paths(report: &Value) -> Vec<String> {
    report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn three_shards_merged_give_the_bytes_of_one_run_and_duplicates_count_once() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let o = ingest(&corpus(), &whole, &[]);
    // Some fixtures are hostile on purpose: exit 3 (some documents failed).
    assert_eq!(o.status.code(), Some(3));
    // The shards as the Slurm recipe in docs/ runs them: one array task each.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_docgraph")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let shards: Vec<PathBuf> = (1..=3)
        .map(|k| tmp.path().join(format!("shard-{k}")))
        .collect();
    let mut seen = Vec::new();
    for (k, out) in shards.iter().enumerate() {
        let o = run(Command::new("bash")
            .env(
                "DOCGRAPH_MODEL_DIR",
                root().join("models/ner-minilm-l6-conll03"),
            )
            .env("PATH", &path)
            .env("SLURM_ARRAY_TASK_ID", (k + 1).to_string())
            .env("SLURM_ARRAY_TASK_MIN", "1")
            .env("SLURM_CPUS_PER_TASK", "2")
            .arg(root().join("docs/slurm-array.sh"))
            .arg(corpus())
            .arg(tmp.path())
            .arg("3"));
        // The recipe ends a task whose broken files failed (exit 3) COMPLETED: exit 0.
        assert_eq!(o.status.code(), Some(0));
        let r = report(out);
        assert_eq!(r["shard"]["index"], k + 1);
        let mine = paths(&r);
        assert!(!mine.is_empty(), "every shard of 22 documents gets some");
        seen.extend(mine);
    }
    seen.sort();
    assert_eq!(
        seen,
        paths(&report(&whole)),
        "the shards are disjoint and cover the folder"
    );

    let merged = tmp.path().join("merged");
    let refs: Vec<&Path> = shards.iter().map(|p| p.as_path()).collect();
    // Given in another order than 1..3: the result does not depend on it.
    let o = merge(&[refs[2], refs[0], refs[1]], &merged, &[]);
    assert_eq!(o.status.code(), Some(3), "as ingest: some documents failed");
    let one = std::fs::read(whole.join("graph.json")).unwrap();
    let many = std::fs::read(merged.join("graph.json")).unwrap();
    assert!(one == many, "merged graph.json differs from one run's");
    for name in ["graph.graphml", "graph.dot"] {
        assert!(
            std::fs::read(whole.join(name)).unwrap() == std::fs::read(merged.join(name)).unwrap(),
            "{name} differs"
        );
    }
    let (a, b) = (report(&whole), report(&merged));
    assert_eq!(a["summary"], b["summary"]);
    assert_eq!(b["mode"], "merge");

    // An output merged with itself, and with a shard it already holds: nothing counted twice.
    let again = tmp.path().join("again");
    let o = merge(&[&merged, &merged, refs[1]], &again, &[]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("counted once"));
    assert!(std::fs::read(again.join("graph.json")).unwrap() == one);
    assert_eq!(report(&again)["summary"], a["summary"]);

    // A shard left out is refused, unless asked for.
    let partial = tmp.path().join("partial");
    let o = merge(&[refs[0], refs[1]], &partial, &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("shard is 3/3 missing"), "{err}");
    assert!(!partial.join("graph.json").exists());
    let o = merge(&[refs[0], refs[1]], &partial, &["--partial"]);
    assert!(matches!(o.status.code(), Some(0 | 3)));
    assert_eq!(report(&partial)["merge"]["missing_shards"][0], 3);

    // Merging into one of the inputs would destroy it.
    let o = merge(&[refs[0], refs[1], refs[2]], refs[0], &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn outputs_made_with_other_options_or_damaged_are_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let input = corpus().join("relations");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert_eq!(
        ingest(&input, &a, &["--shard", "1/2"]).status.code(),
        Some(0)
    );
    let o = ingest(&input, &b, &["--shard", "2/2", "--no-cooccurrence"]);
    assert_eq!(o.status.code(), Some(0));
    let merged = tmp.path().join("m");
    let o = merge(&[&a, &b], &merged, &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot merge") && err.contains("other models or options"),
        "{err}"
    );
    assert!(!merged.join("graph.json").exists(), "nothing written");

    // A damaged results file is named with its line, never merged as fewer documents.
    let results = a.join("results.jsonl");
    let text = std::fs::read_to_string(&results).unwrap();
    let target = std::fs::canonicalize(&results).unwrap();
    std::fs::remove_file(&target).unwrap();
    std::fs::write(&target, text.replacen("\"ok\"", "\"failed\"", 1)).unwrap();
    let o = merge(&[&a], &merged, &["--partial"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 2") && err.contains("checksum"), "{err}");

    // Not an output folder at all.
    let o = merge(&[tmp.path()], &merged, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no results.jsonl"));
}

#[test]
fn the_shard_comes_from_the_scheduler_and_a_killed_shard_resumes() {
    // Six distinct copies of a few slow documents (scans), so the run takes a few seconds.
    let input = tempfile::tempdir().unwrap();
    for i in 0..6 {
        for name in [
            "scans/berlin-jpeg.pdf",
            "scans/toyota-png.pdf",
            "fpdf/wind-report.pdf",
        ] {
            let to = input.path().join(format!("c{i}")).join(name);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            let mut bytes = std::fs::read(corpus().join(name)).unwrap();
            bytes.extend_from_slice(format!("\n% copy {i}\n").as_bytes());
            std::fs::write(to, bytes).unwrap();
        }
    }
    let out = tempfile::tempdir().unwrap();
    let out = out.path();
    // Kubernetes Indexed Job index 0 is shard 1.
    let mut child = docgraph()
        .env("JOB_COMPLETION_INDEX", "0")
        .args(["ingest", "--quiet", "-j", "1", "--shard", "auto/2"])
        .arg(input.path())
        .arg("-o")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let entries = || {
        std::fs::read_dir(out.join(".cache"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|d| std::fs::read_dir(d.path()).ok())
            .flat_map(|e| e.flatten())
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .count()
    };
    let t = Instant::now();
    while entries() < 2 {
        assert!(
            t.elapsed() < Duration::from_secs(90),
            "the run did not get going"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done_before = entries();

    // The same index again (Slurm this time, arrays counted from 1): resumes.
    let o = run(docgraph()
        .env("SLURM_ARRAY_TASK_ID", "1")
        .args(["ingest", "--quiet", "--shard", "auto/2"])
        .arg(input.path())
        .arg("-o")
        .arg(out));
    assert_eq!(o.status.code(), Some(0));
    let r = report(out);
    assert_eq!(r["shard"]["index"], 1);
    let (docs, reused) = (
        r["summary"]["documents"].as_u64().unwrap(),
        r["summary"]["reused"].as_u64().unwrap(),
    );
    assert!(docs > 0 && docs < 18, "a share of the 18 documents: {docs}");
    assert!(
        reused as usize >= done_before && reused < docs,
        "resumed: {reused} of {docs} reused, {done_before} were done"
    );

    // Without a scheduler's variable, auto is a clear usage error.
    let o = run(docgraph()
        .args(["ingest", "--quiet", "--shard", "auto/2"])
        .arg(input.path())
        .arg("-o")
        .arg(out));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("SLURM_ARRAY_TASK_ID"));
}
