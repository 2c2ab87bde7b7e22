//! SQL for other engines over a store: the table definition (`msgtrack index --print-ddl`)
//! and Get-MessageTrackingLog pipelines compiled to SQL (`msgtrack query --print-sql`), with
//! PowerShell's semantics kept: equality ignores case, list columns match on any element,
//! `-like` is a wildcard match, `-match` a case-insensitive regex.

use std::path::Path;

use crate::format::{Field, FieldKind};
use crate::store::layout::{DAY_KEY, SERVER_KEY};

/// A target engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    DuckDb,
    Spark,
    Trino,
}

impl Dialect {
    /// `duckdb`, `spark` or `trino`.
    pub fn parse(name: &str) -> Result<Dialect, String> {
        match name.to_ascii_lowercase().as_str() {
            "duckdb" => Ok(Dialect::DuckDb),
            "spark" | "sparksql" | "spark-sql" => Ok(Dialect::Spark),
            "trino" | "presto" => Ok(Dialect::Trino),
            _ => Err(format!(
                "'{name}' is not an engine msgtrack writes SQL for: duckdb, spark, trino"
            )),
        }
    }

    /// A quoted identifier.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }
}

/// A SQL string literal.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The engine's type of a stored column.
fn column_type(dialect: Dialect, field: Field) -> &'static str {
    match (dialect, field.kind()) {
        (Dialect::Spark, FieldKind::Timestamp) => "TIMESTAMP",
        (Dialect::Spark, FieldKind::Integer | FieldKind::LineNumber) => "BIGINT",
        (Dialect::Spark, FieldKind::TextList) => "ARRAY<STRING>",
        (Dialect::Spark, FieldKind::KeyValueList) => "ARRAY<STRUCT<Key: STRING, Value: STRING>>",
        (Dialect::Spark, _) => "STRING",
        (Dialect::Trino, FieldKind::Timestamp) => "timestamp(3) with time zone",
        (Dialect::Trino, FieldKind::Integer | FieldKind::LineNumber) => "bigint",
        (Dialect::Trino, FieldKind::TextList) => "array(varchar)",
        (Dialect::Trino, FieldKind::KeyValueList) => "array(row(Key varchar, Value varchar))",
        (Dialect::Trino, _) => "varchar",
        (Dialect::DuckDb, FieldKind::Timestamp) => "TIMESTAMPTZ",
        (Dialect::DuckDb, FieldKind::Integer | FieldKind::LineNumber) => "BIGINT",
        (Dialect::DuckDb, FieldKind::TextList) => "VARCHAR[]",
        (Dialect::DuckDb, FieldKind::KeyValueList) => "STRUCT(Key VARCHAR, Value VARCHAR)[]",
        (Dialect::DuckDb, _) => "VARCHAR",
    }
}

/// The table definition of the store at `store` for `engine`, named `msgtrack`.
pub fn ddl(engine: &str, store: &Path) -> Result<String, String> {
    let dialect = Dialect::parse(engine)?;
    let location = store.display().to_string();
    let stored = crate::store::index::stored_fields();
    let columns: Vec<String> = stored
        .iter()
        .map(|f| format!("  {} {}", dialect.ident(f.name()), column_type(dialect, *f)))
        .collect();
    Ok(match dialect {
        Dialect::DuckDb => format!(
            "-- DuckDB reads the store as it is; the partition keys {SERVER_KEY} and {DAY_KEY} become columns.\nCREATE VIEW msgtrack AS\n  SELECT * FROM read_parquet({}, hive_partitioning = true);",
            literal(&format!("{location}/**/*.parquet"))
        ),
        Dialect::Spark => format!(
            "CREATE TABLE msgtrack (\n{},\n  {SERVER_KEY} STRING,\n  {DAY_KEY} STRING\n)\nUSING parquet\nPARTITIONED BY ({SERVER_KEY}, {DAY_KEY})\nLOCATION {};\nMSCK REPAIR TABLE msgtrack;",
            columns.join(",\n"),
            literal(&location)
        ),
        Dialect::Trino => format!(
            "CREATE TABLE hive.default.msgtrack (\n{},\n  {SERVER_KEY} varchar,\n  {DAY_KEY} varchar\n)\nWITH (\n  format = 'PARQUET',\n  partitioned_by = ARRAY['{SERVER_KEY}', '{DAY_KEY}'],\n  external_location = {}\n);\nCALL hive.system.sync_partition_metadata('default', 'msgtrack', 'ADD');",
            columns.join(",\n"),
            literal(&location)
        ),
    })
}
