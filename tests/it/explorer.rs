//! Seeing the graph: `docgraph query` on a real run's outputs, and `graph.html` rendered by
//! headless Chromium (Debian's `chromium`, installed by scripts/setup.sh) with the network
//! switched off.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::common::{corpus, root};
use serde_json::Value;

fn docgraph() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_docgraph"));
    c.env(
        "DOCGRAPH_MODEL_DIR",
        root().join("models/ner-minilm-l6-conll03"),
    );
    c
}

fn run(c: &mut Command) -> Output {
    let out = c.output().expect("the command runs");
    println!("$ {c:?}\nexit {:?}", out.status.code());
    println!("stdout:\n{}", String::from_utf8_lossy(&out.stdout));
    println!("stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// One real ingest of the relation fixtures (four documents), shared by the tests here.
fn outputs() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorer-outputs");
        let _ = std::fs::remove_dir_all(&out);
        let o = run(docgraph()
            .args(["ingest", "--quiet"])
            .arg(corpus().join("relations"))
            .arg("-o")
            .arg(&out));
        assert_eq!(o.status.code(), Some(0));
        out
    })
}

fn query(name: &str, json: bool) -> Output {
    let mut c = docgraph();
    c.arg("query").arg(outputs()).arg(name);
    if json {
        c.arg("--json");
    }
    run(&mut c)
}

#[test]
fn query_finds_an_entity_by_name_or_alias_with_its_relations_and_sentences() {
    let o = query("helena varga", false);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("Helena Varga (PER)"), "{text}");
    assert!(text.contains("Helena Varga -[Work_For"), "{text}");
    assert!(text.contains("Nordwind Energy"), "{text}");
    assert!(
        text.contains("reportlab-staff.pdf p.1: \""),
        "the sentence with its document and page: {text}"
    );
    // By an alias (the surname alone), any case.
    let o = query("VARGA", false);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("Helena Varga (PER)"));
}

#[test]
fn query_without_a_match_exits_1_and_offers_close_names() {
    let o = query("Helena Vargas", false);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("no entity named"), "{text}");
    assert!(text.contains("closest: Helena Varga"), "{text}");
    let o = run(docgraph().args(["query", "/nonexistent", "x"]));
    assert_eq!(
        o.status.code(),
        Some(2),
        "not an output folder: usage error"
    );
}

#[test]
fn query_json_has_the_entity_its_aliases_documents_and_relations() {
    let o = query("Varga", true);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["found"], true);
    let e = &v["entities"][0];
    assert_eq!(e["name"], "Helena Varga");
    assert_eq!(e["type"], "PER");
    assert!(e["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "Varga" && a["count"].as_u64() >= Some(1)));
    assert_eq!(e["documents"][0], "reportlab-staff.pdf");
    let rel = e["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["predicate"] == "Work_For")
        .expect("a Work_For relation");
    assert_eq!(rel["direction"], "out");
    assert_eq!(rel["other"]["name"], "Nordwind Energy");
    assert!(rel["confidence"].as_f64().unwrap() > 0.5);
    assert_eq!(rel["evidence"][0]["page"], 1);
    assert!(rel["evidence"][0]["sentence"]
        .as_str()
        .unwrap()
        .contains("Nordwind"));

    let o = query("Nobody Atall", true);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["found"], false);
    assert!(v["entities"].as_array().unwrap().is_empty());
    assert!(v["suggestions"].is_array());
}

/// Chromium, headless, as root, with no network: in a network namespace of its own when the
/// machine allows one (`unshare -n`), with every background service switched off either way.
pub(crate) fn chromium(args: &[String]) -> Output {
    let chromium = Path::new("/usr/bin/chromium");
    assert!(
        chromium.exists(),
        "headless Chromium is needed: scripts/setup.sh installs Debian's chromium"
    );
    let profile = tempfile::tempdir().unwrap();
    let mut flags: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--virtual-time-budget=3000",
        "--window-size=1280,800",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    flags.push(format!("--user-data-dir={}", profile.path().display()));
    flags.extend(args.iter().cloned());
    let isolated = Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success());
    let mut c = if isolated {
        let mut c = Command::new("unshare");
        c.arg("-n").arg(chromium);
        c
    } else {
        println!("(no network namespace here: Chromium runs with its network services off)");
        Command::new(chromium)
    };
    c.args(&flags).output().expect("chromium runs")
}

/// The page's text outside any `<script>`, as a person or a screen reader gets it.
pub(crate) fn visible_text(dom: &str) -> String {
    let mut out = String::new();
    let mut rest = dom;
    while let Some(i) = rest.find("<script") {
        out.push_str(&rest[..i]);
        rest = rest[i..]
            .find("</script>")
            .map_or("", |j| &rest[i + j + "</script>".len()..]);
    }
    out.push_str(rest);
    // Tags to spaces, entities of the few characters escaped.
    let mut text = String::new();
    let mut in_tag = false;
    for c in out.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn page_url(suffix: &str) -> String {
    let page = std::fs::canonicalize(outputs().join("graph.html")).unwrap();
    format!("file://{}{suffix}", page.display())
}

#[test]
fn the_explorer_opens_an_entity_by_search_and_by_deep_link_offline() {
    let page = std::fs::read_to_string(outputs().join("graph.html")).unwrap();
    assert!(
        page.contains("default-src 'none'"),
        "a Content-Security-Policy forbids every request"
    );
    for needle in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(!page.contains(needle), "nothing to fetch: {needle}");
    }
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorer-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for (how, suffix, name, relation) in [
        // Typed into the search box (the first completion taken, as Enter does).
        (
            "search",
            "?search=nordwind",
            "Nordwind Energy",
            "OrgBased_In",
        ),
        // A shared link to an entity by an alias.
        ("deep-link", "#Varga", "Helena Varga", "Work_For"),
    ] {
        let net_log = shots.join(format!("{how}-netlog.json"));
        let o = chromium(&[
            format!("--log-net-log={}", net_log.display()),
            "--dump-dom".into(),
            page_url(suffix),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = visible_text(&String::from_utf8_lossy(&o.stdout));
        println!("{how}: {text}");
        let panel = text
            .split_once("Aliases")
            .map(|(head, _)| head)
            .unwrap_or_default();
        assert!(
            panel.contains(&format!("{name} ")),
            "{how}: the side panel names {name}: {text}"
        );
        assert!(
            text.contains(relation) && text.contains("Relations ("),
            "{how}: one of its relations ({relation}) is listed as text: {text}"
        );
        // Whatever Chromium itself tried (its update and time services, refused: no
        // network), the page asked for nothing but its own file.
        let log = std::fs::read_to_string(&net_log).unwrap_or_default();
        for url in log
            .split("\"url\":\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
        {
            let chromium_own = [
                "google.com/",
                "googleapis.com/",
                "gvt1.com/",
                "gstatic.com/",
            ]
            .iter()
            .any(|h| url.contains(h));
            assert!(
                url.starts_with("file://") || chromium_own,
                "{how}: the page requested {url}"
            );
        }
        let shot = shots.join(format!("{how}.png"));
        let o = chromium(&[format!("--screenshot={}", shot.display()), page_url(suffix)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            std::fs::metadata(&shot).unwrap().len() > 10_000,
            "a picture"
        );
        println!("screenshot: {}", shot.display());
    }
}
