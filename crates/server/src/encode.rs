//! Values and metadata to and from PostgreSQL's wire messages: RowDescription from the SQL
//! layer's fields, DataRow in text or binary per the client's format codes, parameter values
//! decoded at Bind by the statement's types, and SqlError / notices to ErrorResponse and
//! NoticeResponse.

use bytes::{BufMut, BytesMut};
use pgwire::error::{ErrorInfo, PgWireError};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::data::{DataRow, FieldDescription, RowDescription};
use pgwire::messages::response::{NoticeResponse, TransactionStatus};

use embeddb_sql::{Field, Notice, TransactionStatus as SessionStatus};
use embeddb_types::{
    DataType, FormatContext, Severity, SqlError, SqlResult, SqlState, Value, decode_binary,
    encode_binary, format_text_into, parse_text,
};

pub const FORMAT_TEXT: i16 = 0;
pub const FORMAT_BINARY: i16 = 1;

/// The error PostgreSQL sends for a malformed or out-of-place protocol message.
pub fn protocol_violation(message: impl Into<String>) -> SqlError {
    SqlError::new(SqlState::PROTOCOL_VIOLATION, message)
}

/// An SqlError as pgwire's ErrorInfo (the fields of an ErrorResponse).
pub fn error_info(e: &SqlError) -> ErrorInfo {
    let severity = match e.severity {
        Severity::Error => "ERROR",
        Severity::Fatal => "FATAL",
    };
    let mut info = ErrorInfo::new(
        severity.to_string(),
        e.code.code().to_string(),
        e.message.clone(),
    );
    // PostgreSQL sends the non-localised severity too; drivers prefer it when present.
    info.severity_nonlocalized = Some(severity.to_string());
    info.detail = e.detail.clone();
    info.hint = e.hint.clone();
    info.position = e.position.map(|p| p.to_string());
    info
}

pub fn error_message(e: &SqlError) -> PgWireBackendMessage {
    PgWireBackendMessage::ErrorResponse(error_info(e).into())
}

/// An SqlError as a handler's error result (pgwire sends it and, in the extended protocol,
/// skips messages until Sync).
pub fn pg_error(e: &SqlError) -> PgWireError {
    PgWireError::UserError(Box::new(error_info(e)))
}

pub fn notice_message(n: &Notice) -> PgWireBackendMessage {
    let mut info = ErrorInfo::new(
        n.severity.to_string(),
        n.code.code().to_string(),
        n.message.clone(),
    );
    info.severity_nonlocalized = Some(n.severity.to_string());
    PgWireBackendMessage::NoticeResponse(NoticeResponse::from(info))
}

pub fn wire_status(s: SessionStatus) -> TransactionStatus {
    match s {
        SessionStatus::Idle => TransactionStatus::Idle,
        SessionStatus::InBlock => TransactionStatus::Transaction,
        SessionStatus::Failed => TransactionStatus::Error,
    }
}

/// Resolves the result format codes a Bind gave into one code per column, by the protocol's
/// rule: none means all text, one applies to every column, otherwise one per column.
pub fn column_formats(codes: &[i16], columns: usize) -> SqlResult<Vec<i16>> {
    let formats = match codes.len() {
        0 => vec![FORMAT_TEXT; columns],
        1 => vec![codes[0]; columns],
        n if n == columns => codes.to_vec(),
        n => {
            return Err(protocol_violation(format!(
                "bind message has {n} result formats but query has {columns} columns"
            )));
        }
    };
    if let Some(bad) = formats
        .iter()
        .find(|f| **f != FORMAT_TEXT && **f != FORMAT_BINARY)
    {
        return Err(SqlError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("unsupported format code: {bad}"),
        ));
    }
    Ok(formats)
}

/// RowDescription for result columns sent in the given formats.
pub fn row_description(fields: &[Field], formats: &[i16]) -> RowDescription {
    let descriptions = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            FieldDescription::new(
                f.name.clone(),
                f.table_oid as i32,
                f.column_attnum,
                f.ty.oid(),
                f.ty.type_len(),
                f.ty.typmod(),
                formats.get(i).copied().unwrap_or(FORMAT_TEXT),
            )
        })
        .collect();
    RowDescription::new(descriptions)
}

/// Encodes one row as a DataRow: each value is its length and bytes, NULL a length of -1.
pub fn data_row(
    row: &[Value],
    types: &[DataType],
    formats: &[i16],
    ctx: &FormatContext,
    scratch: &mut Vec<u8>,
) -> SqlResult<DataRow> {
    let mut buf = BytesMut::with_capacity(row.len() * 8);
    for (i, value) in row.iter().enumerate() {
        if value.is_null() {
            buf.put_i32(-1);
            continue;
        }
        let ty = types.get(i).unwrap_or(&DataType::Text);
        scratch.clear();
        if formats.get(i).copied() == Some(FORMAT_BINARY) {
            encode_binary(value, ty, scratch)?;
        } else {
            format_text_into(value, ty, ctx, scratch);
        }
        buf.put_i32(scratch.len() as i32);
        buf.put_slice(scratch);
    }
    Ok(DataRow::new(buf, row.len() as i16))
}

/// Decodes Bind's parameter values by the statement's parameter types and the client's
/// parameter format codes (same none/one/each rule as result formats).
pub fn decode_parameters(
    values: &[Option<bytes::Bytes>],
    codes: &[i16],
    types: &[DataType],
    ctx: &FormatContext,
) -> SqlResult<Vec<Value>> {
    let formats = match codes.len() {
        0 => vec![FORMAT_TEXT; values.len()],
        1 => vec![codes[0]; values.len()],
        n if n == values.len() => codes.to_vec(),
        n => {
            return Err(protocol_violation(format!(
                "bind message has {n} parameter formats but {} parameters",
                values.len()
            )));
        }
    };
    values
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let Some(bytes) = raw else {
                return Ok(Value::Null);
            };
            // An untyped parameter PostgreSQL would resolve to text.
            let ty = match types.get(i) {
                Some(DataType::Unknown) | None => &DataType::Text,
                Some(t) => t,
            };
            match formats[i] {
                FORMAT_TEXT => {
                    let text = std::str::from_utf8(bytes).map_err(|_| {
                        SqlError::new(
                            SqlState::CHARACTER_NOT_IN_REPERTOIRE,
                            "invalid byte sequence for encoding \"UTF8\"",
                        )
                    })?;
                    parse_text(text, ty, ctx)
                }
                FORMAT_BINARY => decode_binary(bytes, ty).map_err(|e| {
                    if e.code == SqlState::INTERNAL_ERROR {
                        SqlError::new(
                            SqlState::INVALID_BINARY_REPRESENTATION,
                            format!("incorrect binary data format in bind parameter {}", i + 1),
                        )
                    } else {
                        e
                    }
                }),
                other => Err(SqlError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("unsupported format code: {other}"),
                )),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_codes_follow_the_protocol_rule() {
        assert_eq!(column_formats(&[], 2).ok(), Some(vec![0, 0]));
        assert_eq!(column_formats(&[1], 3).ok(), Some(vec![1, 1, 1]));
        assert_eq!(column_formats(&[0, 1], 2).ok(), Some(vec![0, 1]));
        assert!(column_formats(&[0, 1], 3).is_err());
        assert!(column_formats(&[2], 1).is_err());
    }

    #[test]
    fn data_row_text_binary_and_null() {
        let ctx = FormatContext::default();
        let mut scratch = Vec::new();
        let row = data_row(
            &[Value::Int4(7), Value::Null, Value::Int4(258)],
            &[DataType::Int4, DataType::Int4, DataType::Int4],
            &[0, 0, 1],
            &ctx,
            &mut scratch,
        )
        .expect("encodes");
        assert_eq!(row.field_count, 3);
        assert_eq!(
            &row.data[..],
            &[0, 0, 0, 1, b'7', 255, 255, 255, 255, 0, 0, 0, 4, 0, 0, 1, 2][..]
        );
    }

    #[test]
    fn parameters_decode_by_type_and_format() {
        let ctx = FormatContext::default();
        let values = vec![
            Some(bytes::Bytes::from_static(b"42")),
            None,
            Some(bytes::Bytes::from_static(&[0, 0, 0, 9])),
        ];
        let decoded = decode_parameters(
            &values,
            &[0, 0, 1],
            &[DataType::Int4, DataType::Text, DataType::Int4],
            &ctx,
        )
        .expect("decodes");
        assert!(matches!(decoded[0], Value::Int4(42)));
        assert!(decoded[1].is_null());
        assert!(matches!(decoded[2], Value::Int4(9)));
        let bad = decode_parameters(
            &[Some(bytes::Bytes::from_static(b"x"))],
            &[],
            &[DataType::Int4],
            &ctx,
        );
        assert_eq!(
            bad.err().map(|e| e.code),
            Some(SqlState::INVALID_TEXT_REPRESENTATION)
        );
    }
}
