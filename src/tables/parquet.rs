//! The tables as Parquet files (with the `arrow` and `parquet` crates; Snappy-compressed), one
//! per table: `entities.parquet`, `relations.parquet`, `evidence.parquet`,
//! `mentions.parquet`, `documents.parquet`.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    ArrayRef, BooleanArray, Float32Array, Float64Array, RecordBatch, StringArray, UInt32Array,
    UInt64Array,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::Tables;
use crate::error::{Error, Result};

fn list(rows: impl Iterator<Item = Vec<String>>) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for values in rows {
        for v in values {
            b.values().append_value(v);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

fn strings<'a>(v: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(v))
}

fn opt_strings<'a>(v: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(v.collect::<StringArray>())
}

fn u64s(v: impl Iterator<Item = u64>) -> ArrayRef {
    Arc::new(UInt64Array::from_iter_values(v))
}

fn u32s(v: impl Iterator<Item = u32>) -> ArrayRef {
    Arc::new(UInt32Array::from_iter_values(v))
}

fn f32s(v: impl Iterator<Item = Option<f32>>) -> ArrayRef {
    Arc::new(v.collect::<Float32Array>())
}

/// One Parquet file's bytes from named columns.
fn file(what: &'static str, columns: Vec<(&str, ArrayRef)>) -> Result<Vec<u8>> {
    let fail = |e: &dyn std::fmt::Display| Error::Serialize {
        what,
        message: e.to_string(),
    };
    let batch = RecordBatch::try_from_iter(columns).map_err(|e| fail(&e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut bytes = Vec::new();
    let mut w =
        ArrowWriter::try_new(&mut bytes, batch.schema(), Some(props)).map_err(|e| fail(&e))?;
    w.write(&batch).map_err(|e| fail(&e))?;
    w.close().map_err(|e| fail(&e))?;
    Ok(bytes)
}

/// Every table as (file name, Parquet bytes).
pub fn files(t: &Tables) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let e = &t.entities;
    let entities = file(
        "entities.parquet",
        vec![
            ("id", u64s(e.iter().map(|r| r.id))),
            ("name", strings(e.iter().map(|r| r.name.as_str()))),
            ("type", strings(e.iter().map(|r| r.entity_type))),
            ("aliases", list(e.iter().map(|r| r.aliases.clone()))),
            ("mentions", u64s(e.iter().map(|r| r.mentions))),
            ("documents", u64s(e.iter().map(|r| r.documents))),
        ],
    )?;
    let r = &t.relations;
    let relations = file(
        "relations.parquet",
        vec![
            ("id", u64s(r.iter().map(|r| r.id))),
            ("source_id", u64s(r.iter().map(|r| r.source_id))),
            ("source", strings(r.iter().map(|r| r.source.as_str()))),
            ("predicate", opt_strings(r.iter().map(|r| r.predicate))),
            ("target_id", u64s(r.iter().map(|r| r.target_id))),
            ("target", strings(r.iter().map(|r| r.target.as_str()))),
            ("weight", u64s(r.iter().map(|r| r.weight))),
            ("confidence", f32s(r.iter().map(|r| r.confidence))),
            (
                "inferred",
                Arc::new(r.iter().map(|r| Some(r.inferred)).collect::<BooleanArray>()),
            ),
            ("documents", list(r.iter().map(|r| r.documents.clone()))),
        ],
    )?;
    let v = &t.evidence;
    let evidence = file(
        "evidence.parquet",
        vec![
            ("relation_id", u64s(v.iter().map(|r| r.relation_id))),
            ("document", strings(v.iter().map(|r| r.document.as_str()))),
            ("page", u32s(v.iter().map(|r| r.page))),
            ("start", u64s(v.iter().map(|r| r.start))),
            ("end", u64s(v.iter().map(|r| r.end))),
            ("confidence", f32s(v.iter().map(|r| r.confidence))),
            ("basis", strings(v.iter().map(|r| r.basis))),
            ("sentence", strings(v.iter().map(|r| r.sentence.as_str()))),
        ],
    )?;
    let m = &t.mentions;
    let mentions = file(
        "mentions.parquet",
        vec![
            ("document", strings(m.iter().map(|r| r.document.as_str()))),
            ("page", u32s(m.iter().map(|r| r.page))),
            ("start", u64s(m.iter().map(|r| r.start))),
            ("end", u64s(m.iter().map(|r| r.end))),
            ("text", strings(m.iter().map(|r| r.text.as_str()))),
            ("type", strings(m.iter().map(|r| r.entity_type))),
            ("entity_id", u64s(m.iter().map(|r| r.entity_id))),
            ("score", f32s(m.iter().map(|r| Some(r.score)))),
            (
                "inferred",
                Arc::new(m.iter().map(|r| Some(r.inferred)).collect::<BooleanArray>()),
            ),
        ],
    )?;
    let d = &t.documents;
    let documents = file(
        "documents.parquet",
        vec![
            ("path", strings(d.iter().map(|r| r.path.as_str()))),
            ("sha256", opt_strings(d.iter().map(|r| r.sha256.as_deref()))),
            ("status", strings(d.iter().map(|r| r.status.as_str()))),
            (
                "error_kind",
                opt_strings(d.iter().map(|r| r.error_kind.as_deref())),
            ),
            ("error", opt_strings(d.iter().map(|r| r.error.as_deref()))),
            ("pages", u64s(d.iter().map(|r| r.pages))),
            ("ocr_pages", u64s(d.iter().map(|r| r.ocr_pages))),
            ("sentences", u64s(d.iter().map(|r| r.sentences))),
            ("mentions", u64s(d.iter().map(|r| r.mentions))),
            ("bytes", u64s(d.iter().map(|r| r.bytes))),
            (
                "seconds",
                Arc::new(d.iter().map(|r| Some(r.seconds)).collect::<Float64Array>()),
            ),
        ],
    )?;
    Ok(vec![
        ("entities.parquet", entities),
        ("relations.parquet", relations),
        ("evidence.parquet", evidence),
        ("mentions.parquet", mentions),
        ("documents.parquet", documents),
    ])
}
