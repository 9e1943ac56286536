//! The tables as Parquet files (the `parquet` crate's column writers; Snappy-compressed), one
//! per table: `entities.parquet`, `relations.parquet`, `evidence.parquet`,
//! `mentions.parquet`, `documents.parquet`.
//!
//! Written column by column from plain vectors, without Arrow's in-memory arrays: the schema
//! is the one Arrow's writer would give these columns (unsigned integers as `INTEGER(n,false)`,
//! text as `STRING`, lists in the standard three-level `LIST` form), so DuckDB, pandas, Polars
//! and Spark read the files as before, and a build compiles a fraction of the code.

use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DoubleType, FloatType, Int32Type, Int64Type,
};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use super::Tables;
use crate::error::{Error, Result};

/// One column's values, as Parquet stores them.
enum Values {
    I64(Vec<i64>),
    I32(Vec<i32>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Bool(Vec<bool>),
    Bytes(Vec<ByteArray>),
}

/// One column: its line in the schema, its values, and its definition and repetition levels
/// where it has them (an optional value, a list).
struct Column {
    schema: String,
    values: Values,
    definition: Option<Vec<i16>>,
    repetition: Option<Vec<i16>>,
}

impl Column {
    fn plain(schema: String, values: Values) -> Self {
        Column {
            schema,
            values,
            definition: None,
            repetition: None,
        }
    }
}

fn bytes(s: &str) -> ByteArray {
    ByteArray::from(s.as_bytes().to_vec())
}

fn strings<'a>(name: &str, v: impl Iterator<Item = &'a str>) -> Column {
    Column::plain(
        format!("required binary {name} (STRING);"),
        Values::Bytes(v.map(bytes).collect()),
    )
}

/// Text that may be missing: only present values are stored, the levels say which.
fn opt_strings<'a>(name: &str, v: impl Iterator<Item = Option<&'a str>>) -> Column {
    let (mut values, mut definition) = (Vec::new(), Vec::new());
    for s in v {
        definition.push(i16::from(s.is_some()));
        values.extend(s.map(bytes));
    }
    Column {
        schema: format!("optional binary {name} (STRING);"),
        values: Values::Bytes(values),
        definition: Some(definition),
        repetition: None,
    }
}

/// A list of strings per row (`required group (LIST) { repeated group list { required
/// binary element } }`): an empty list is one level entry with no value.
fn list(name: &str, rows: impl Iterator<Item = Vec<String>>) -> Column {
    let (mut values, mut definition, mut repetition) = (Vec::new(), Vec::new(), Vec::new());
    for row in rows {
        if row.is_empty() {
            definition.push(0);
            repetition.push(0);
        }
        for (i, v) in row.iter().enumerate() {
            definition.push(1);
            repetition.push(i16::from(i > 0));
            values.push(bytes(v));
        }
    }
    Column {
        schema: format!(
            "required group {name} (LIST) {{ repeated group list {{ required binary element (STRING); }} }}"
        ),
        values: Values::Bytes(values),
        definition: Some(definition),
        repetition: Some(repetition),
    }
}

/// Unsigned 64-bit integers: stored as INT64's bits, typed unsigned.
fn u64s(name: &str, v: impl Iterator<Item = u64>) -> Column {
    Column::plain(
        format!("required int64 {name} (INTEGER(64,false));"),
        Values::I64(v.map(|x| x as i64).collect()),
    )
}

fn u32s(name: &str, v: impl Iterator<Item = u32>) -> Column {
    Column::plain(
        format!("required int32 {name} (INTEGER(32,false));"),
        Values::I32(v.map(|x| x as i32).collect()),
    )
}

fn opt_f32s(name: &str, v: impl Iterator<Item = Option<f32>>) -> Column {
    let (mut values, mut definition) = (Vec::new(), Vec::new());
    for x in v {
        definition.push(i16::from(x.is_some()));
        values.extend(x);
    }
    Column {
        schema: format!("optional float {name};"),
        values: Values::F32(values),
        definition: Some(definition),
        repetition: None,
    }
}

fn f32s(name: &str, v: impl Iterator<Item = f32>) -> Column {
    Column::plain(format!("required float {name};"), Values::F32(v.collect()))
}

fn f64s(name: &str, v: impl Iterator<Item = f64>) -> Column {
    Column::plain(format!("required double {name};"), Values::F64(v.collect()))
}

fn bools(name: &str, v: impl Iterator<Item = bool>) -> Column {
    Column::plain(
        format!("required boolean {name};"),
        Values::Bool(v.collect()),
    )
}

/// One Parquet file's bytes from its columns, in one row group.
fn file(what: &'static str, columns: Vec<Column>) -> Result<Vec<u8>> {
    let fail = |e: &dyn std::fmt::Display| Error::Serialize {
        what,
        message: e.to_string(),
    };
    let table = what.trim_end_matches(".parquet");
    let fields: Vec<&str> = columns.iter().map(|c| c.schema.as_str()).collect();
    let schema = parse_message_type(&format!("message {table} {{ {} }}", fields.join(" ")))
        .map_err(|e| fail(&e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut bytes = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut bytes, Arc::new(schema), Arc::new(props))
        .map_err(|e| fail(&e))?;
    let mut group = writer.next_row_group().map_err(|e| fail(&e))?;
    for c in &columns {
        let mut w = group
            .next_column()
            .map_err(|e| fail(&e))?
            .ok_or_else(|| fail(&"fewer columns in the schema than given"))?;
        let (d, r) = (c.definition.as_deref(), c.repetition.as_deref());
        match &c.values {
            Values::I64(v) => w.typed::<Int64Type>().write_batch(v, d, r),
            Values::I32(v) => w.typed::<Int32Type>().write_batch(v, d, r),
            Values::F32(v) => w.typed::<FloatType>().write_batch(v, d, r),
            Values::F64(v) => w.typed::<DoubleType>().write_batch(v, d, r),
            Values::Bool(v) => w.typed::<BoolType>().write_batch(v, d, r),
            Values::Bytes(v) => w.typed::<ByteArrayType>().write_batch(v, d, r),
        }
        .map_err(|e| fail(&e))?;
        w.close().map_err(|e| fail(&e))?;
    }
    group.close().map_err(|e| fail(&e))?;
    writer.close().map_err(|e| fail(&e))?;
    Ok(bytes)
}

/// Every table as (file name, Parquet bytes).
pub fn files(t: &Tables) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let e = &t.entities;
    let entities = file(
        "entities.parquet",
        vec![
            u64s("id", e.iter().map(|r| r.id)),
            strings("name", e.iter().map(|r| r.name.as_str())),
            strings("type", e.iter().map(|r| r.entity_type)),
            list("aliases", e.iter().map(|r| r.aliases.clone())),
            u64s("mentions", e.iter().map(|r| r.mentions)),
            u64s("documents", e.iter().map(|r| r.documents)),
        ],
    )?;
    let r = &t.relations;
    let relations = file(
        "relations.parquet",
        vec![
            u64s("id", r.iter().map(|r| r.id)),
            u64s("source_id", r.iter().map(|r| r.source_id)),
            strings("source", r.iter().map(|r| r.source.as_str())),
            opt_strings("predicate", r.iter().map(|r| r.predicate)),
            u64s("target_id", r.iter().map(|r| r.target_id)),
            strings("target", r.iter().map(|r| r.target.as_str())),
            u64s("weight", r.iter().map(|r| r.weight)),
            opt_f32s("confidence", r.iter().map(|r| r.confidence)),
            bools("inferred", r.iter().map(|r| r.inferred)),
            list("documents", r.iter().map(|r| r.documents.clone())),
        ],
    )?;
    let v = &t.evidence;
    let evidence = file(
        "evidence.parquet",
        vec![
            u64s("relation_id", v.iter().map(|r| r.relation_id)),
            strings("document", v.iter().map(|r| r.document.as_str())),
            u32s("page", v.iter().map(|r| r.page)),
            u64s("start", v.iter().map(|r| r.start)),
            u64s("end", v.iter().map(|r| r.end)),
            opt_f32s("confidence", v.iter().map(|r| r.confidence)),
            strings("basis", v.iter().map(|r| r.basis)),
            strings("sentence", v.iter().map(|r| r.sentence.as_str())),
        ],
    )?;
    let m = &t.mentions;
    let mentions = file(
        "mentions.parquet",
        vec![
            strings("document", m.iter().map(|r| r.document.as_str())),
            u32s("page", m.iter().map(|r| r.page)),
            u64s("start", m.iter().map(|r| r.start)),
            u64s("end", m.iter().map(|r| r.end)),
            strings("text", m.iter().map(|r| r.text.as_str())),
            strings("type", m.iter().map(|r| r.entity_type)),
            u64s("entity_id", m.iter().map(|r| r.entity_id)),
            f32s("score", m.iter().map(|r| r.score)),
            bools("inferred", m.iter().map(|r| r.inferred)),
        ],
    )?;
    let d = &t.documents;
    let documents = file(
        "documents.parquet",
        vec![
            strings("path", d.iter().map(|r| r.path.as_str())),
            opt_strings("sha256", d.iter().map(|r| r.sha256.as_deref())),
            strings("status", d.iter().map(|r| r.status.as_str())),
            opt_strings("error_kind", d.iter().map(|r| r.error_kind.as_deref())),
            opt_strings("error", d.iter().map(|r| r.error.as_deref())),
            u64s("pages", d.iter().map(|r| r.pages)),
            u64s("ocr_pages", d.iter().map(|r| r.ocr_pages)),
            u64s("sentences", d.iter().map(|r| r.sentences)),
            u64s("mentions", d.iter().map(|r| r.mentions)),
            u64s("bytes", d.iter().map(|r| r.bytes)),
            f64s("seconds", d.iter().map(|r| r.seconds)),
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

#[cfg(test)]
mod tests {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    use super::*;

    /// Every kind of column, with the edge cases of levels (a null, an empty list, a list of
    /// two), read back by the parquet crate's own row reader.
    #[test]
    fn columns_read_back_with_their_values_and_nulls() {
        let bytes = file(
            "sample.parquet",
            vec![
                u64s("id", [0, u64::MAX].into_iter()),
                u32s("page", [1, u32::MAX].into_iter()),
                strings("name", ["Ada", "Zoë"].into_iter()),
                opt_strings("predicate", [None, Some("Work_For")].into_iter()),
                list(
                    "aliases",
                    [vec![], vec!["A".to_string(), "B".to_string()]].into_iter(),
                ),
                opt_f32s("confidence", [Some(0.5), None].into_iter()),
                f32s("score", [0.25, 1.0].into_iter()),
                f64s("seconds", [1.5, 2.0].into_iter()),
                bools("inferred", [true, false].into_iter()),
            ],
        )
        .unwrap();
        let mut f = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut f, &bytes).unwrap();
        let reader = SerializedFileReader::new(f).unwrap();
        let rows: Vec<Vec<(String, Field)>> = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| {
                r.unwrap()
                    .get_column_iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .collect();
        assert_eq!(rows.len(), 2);
        let shown: Vec<String> = rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(
            shown,
            [
                "id=0 page=1 name=\"Ada\" predicate=null aliases=[] confidence=0.5 \
                 score=0.25 seconds=1.5 inferred=true",
                "id=18446744073709551615 page=4294967295 name=\"Zoë\" \
                 predicate=\"Work_For\" aliases=[\"A\", \"B\"] confidence=null score=1.0 \
                 seconds=2.0 inferred=false",
            ]
        );
    }
}
