//! The polars types of a frame's columns, derived from the field table
//! ([`crate::format::Field`]): a column is named by its field's property name and typed by
//! its [`FieldKind`].

use polars::prelude::{
    Categories, DataType, Field as PolarsField, PlSmallStr, Schema, SchemaRef, TimeUnit, TimeZone,
};

use crate::format::{Field, FieldKind};

/// The polars type of a field's column.
pub fn dtype(field: Field) -> DataType {
    match field.kind() {
        FieldKind::Timestamp => DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC)),
        FieldKind::Text => DataType::String,
        FieldKind::Category => category_dtype(),
        FieldKind::Integer => DataType::Int64,
        FieldKind::TextList => DataType::List(Box::new(DataType::String)),
        FieldKind::KeyValueList => DataType::List(Box::new(event_data_struct())),
        FieldKind::LineNumber => DataType::UInt32,
        FieldKind::Duration => DataType::Duration(TimeUnit::Milliseconds),
    }
}

/// The categorical type shared by every categorical column (one global category map, so
/// frames from different files and chunks concatenate without re-encoding).
pub fn category_dtype() -> DataType {
    DataType::from_categories(Categories::global())
}

/// `Struct{Key: Categorical, Value: String}`, one custom-data member.
pub fn event_data_struct() -> DataType {
    DataType::Struct(vec![
        PolarsField::new(PlSmallStr::from_static("Key"), category_dtype()),
        PolarsField::new(PlSmallStr::from_static("Value"), DataType::String),
    ])
}

/// The schema of a frame holding `fields`, in the order given.
pub fn schema_of(fields: &[Field]) -> SchemaRef {
    let schema: Schema = fields
        .iter()
        .map(|c| PolarsField::new(PlSmallStr::from_static(c.name()), dtype(*c)))
        .collect();
    schema.into()
}
