//! Using docgraph as a library: run the pipeline on a folder, inspect the graph, write outputs.
//!
//!     cargo run --release --example library -- fixtures/corpus /tmp/docgraph-out

use docgraph::graph::Node;
use docgraph::{CancelFlag, Config, Pipeline, Progress};

fn main() -> docgraph::Result<()> {
    let mut args = std::env::args().skip(1);
    let input = args.next().unwrap_or_else(|| "fixtures/corpus".into());
    let out = args.next().unwrap_or_else(|| "out-example".into());

    let mut config = Config::new(docgraph::default_model_dir());
    config.doc_timeout = Some(std::time::Duration::from_secs(120));
    let pipeline = Pipeline::new(config)?;

    let cancel = CancelFlag::new(); // set it from another thread to stop the run cleanly
    let output = pipeline.run(input.as_ref(), None, &cancel, &|p| {
        if let Progress::Document {
            done,
            total,
            path,
            status,
            ..
        } = p
        {
            eprintln!("[{done}/{total}] {path}: {status:?}");
        }
    })?;

    // The graph is a petgraph DiGraph of entities and documents.
    for node in output.graph.petgraph().node_weights() {
        if let Node::Entity(e) = node {
            if e.documents > 1 {
                println!(
                    "{} ({}) appears in {} documents",
                    e.name,
                    e.entity_type.as_str(),
                    e.documents
                );
            }
        }
    }
    // Typed relations: who works for whom, what is based where, …
    for (head, r, tail) in output.graph.relations() {
        if let Some(predicate) = r.predicate {
            println!(
                "{} -[{predicate} {:.2}]-> {} ({} mentions, first: {:?})",
                head.name,
                r.confidence.unwrap_or_default(),
                tail.name,
                r.weight,
                r.provenance[0].sentence
            );
        }
    }
    docgraph::store::folder::write_outputs(out.as_ref(), &output, &Default::default())?;
    println!(
        "{} documents, {} ok; outputs in {out}",
        output.report.summary.documents, output.report.summary.ok
    );
    Ok(())
}
