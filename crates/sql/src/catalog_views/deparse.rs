//! Stored expressions and definitions printed the way PostgreSQL's ruleutils prints them, for
//! pg_get_expr, pg_get_constraintdef, pg_get_indexdef and information_schema: EmbedDB keeps
//! DEFAULT and CHECK expressions as SQL text, and PostgreSQL shows them with the casts it
//! inferred (`'x'::text`, `nextval('s'::regclass)`, `'-1'::integer`).

use embeddb_tables::catalog::{ColumnDef, IndexDef, TableDef};
use embeddb_types::DataType;
use sqlparser::ast::{self, Expr as AstExpr, UnaryOperator, Value as AstValue};

use super::oids::quote_ident;

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn string_literal(e: &AstExpr) -> Option<&str> {
    match e {
        AstExpr::Value(v) => match &v.value {
            AstValue::SingleQuotedString(s)
            | AstValue::EscapedStringLiteral(s)
            | AstValue::DollarQuotedString(ast::DollarQuotedString { value: s, .. }) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// A DEFAULT expression as `pg_get_expr(adbin, adrelid)` prints it.
pub(crate) fn default_expr(_table: &TableDef, column: &ColumnDef, sql: &str) -> String {
    let Ok(expr) = crate::binder::parse_stored_expr(sql) else {
        return sql.to_string();
    };
    let ty = column.data_type.without_typmod();
    if let Some(s) = string_literal(&expr) {
        return format!("{}::{}", quote_literal(s), ty);
    }
    let printed = match &expr {
        AstExpr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: inner,
        } if matches!(inner.as_ref(), AstExpr::Value(v) if matches!(v.value, AstValue::Number(..))) =>
        {
            // PostgreSQL folds a negative constant and prints it as a typed literal.
            format!("'-{inner}'::{ty}")
        }
        AstExpr::Function(f) => {
            let name = f.name.to_string().to_lowercase();
            if matches!(name.as_str(), "nextval" | "currval" | "pg_catalog.nextval")
                && let ast::FunctionArguments::List(list) = &f.args
                && let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a))] =
                    list.args.as_slice()
                && let Some(s) = string_literal(a)
            {
                return format!("{name}({}::regclass)", quote_literal(s));
            }
            expr.to_string()
        }
        AstExpr::Value(v) => match &v.value {
            AstValue::Boolean(b) => b.to_string(),
            _ => expr.to_string(),
        },
        _ => expr.to_string(),
    };
    printed.replace("CURRENT_TIMESTAMP()", "CURRENT_TIMESTAMP")
}

/// A CHECK expression's body as `pg_get_constraintdef(oid, true)` prints it inside
/// `CHECK (...)`: string literals typed as text.
pub(crate) fn check_body(_table: &TableDef, sql: &str) -> String {
    let Ok(expr) = crate::binder::parse_stored_expr(sql) else {
        return sql.to_string();
    };
    let printed = expr.to_string();
    strip_outer_parens(&type_string_literals(&printed)).to_string()
}

/// Appends `::text` to every string literal not already followed by a cast.
fn type_string_literals(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        out.push(c);
        if c != '\'' {
            continue;
        }
        // Copy the literal up to its closing quote ('' is an escaped quote).
        while let Some((_, d)) = chars.next() {
            out.push(d);
            if d == '\'' {
                if chars.peek().map(|p| p.1) == Some('\'') {
                    if let Some((_, q)) = chars.next() {
                        out.push(q);
                    }
                    continue;
                }
                break;
            }
        }
        let rest: String = chars.clone().map(|p| p.1).take(2).collect();
        if rest != "::" {
            out.push_str("::text");
        }
    }
    out
}

fn strip_outer_parens(s: &str) -> &str {
    let t = s.trim();
    if t.starts_with('(') && t.ends_with(')') {
        // Only when the parentheses enclose the whole expression.
        let mut depth = 0;
        for (i, c) in t.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 && i != t.len() - 1 {
                        return t;
                    }
                }
                _ => {}
            }
        }
        return &t[1..t.len() - 1];
    }
    t
}

fn column_list(table: &TableDef, attnums: impl Iterator<Item = u16>) -> String {
    attnums
        .filter_map(|a| table.column_by_attnum(a))
        .map(|c| quote_ident(&c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `pg_get_constraintdef` of a primary key, unique or check constraint.
pub(crate) fn constraint_def(
    table: &TableDef,
    index: Option<&IndexDef>,
    check: Option<&str>,
    pretty: bool,
) -> String {
    if let Some(i) = index {
        let kind = if i.primary { "PRIMARY KEY" } else { "UNIQUE" };
        return format!(
            "{kind} ({})",
            column_list(table, i.columns.iter().map(|c| c.attnum))
        );
    }
    let body = check.map(|c| check_body(table, c)).unwrap_or_default();
    if pretty {
        format!("CHECK ({body})")
    } else {
        format!("CHECK (({body}))")
    }
}

/// `pg_get_indexdef(index, column, pretty)`: the CREATE INDEX statement, or with `column` > 0
/// only that key column's name.
pub(crate) fn index_def(table: &TableDef, index: &IndexDef, column: i32, _pretty: bool) -> String {
    if column > 0 {
        return index
            .columns
            .get(column as usize - 1)
            .and_then(|c| table.column_by_attnum(c.attnum))
            .map(|c| quote_ident(&c.name))
            .unwrap_or_default();
    }
    let keys: Vec<String> = index
        .columns
        .iter()
        .filter_map(|c| {
            table.column_by_attnum(c.attnum).map(|col| {
                let mut s = quote_ident(&col.name);
                if c.descending {
                    s.push_str(" DESC");
                }
                s
            })
        })
        .collect();
    format!(
        "CREATE {}INDEX {} ON public.{} USING btree ({})",
        if index.unique { "UNIQUE " } else { "" },
        quote_ident(&index.name),
        quote_ident(&table.name),
        keys.join(", ")
    )
}

/// The type's name as format_type prints it for a column of this type.
pub(crate) fn format_type(ty: &DataType) -> String {
    ty.to_string()
}
