//! Binding INSERT: the target columns, the rows (VALUES bound straight against the columns'
//! types, or a query whose outputs are cast to them), the defaults of the columns a row leaves
//! out, ON CONFLICT and RETURNING.
//!
//! A literal-only `INSERT ... VALUES` also arrives in `parser_insert`'s compact form, without
//! sqlparser's tree ([`Binder::bind_literal_insert`]); both forms bind through the same steps
//! ([`Binder::insert_target`], [`Binder::bind_value_rows`]), so they give the same plan.

use std::sync::Arc;

use sqlparser::ast::{self, Expr as AstExpr, SetExpr, Spanned};
use sqlparser::tokenizer::Span;

use embeddb_tables::TableDef;
use embeddb_types::{DataType, Row, SqlError, SqlResult, SqlState, Value};

use super::dml::{is_default_keyword, table_schema};
use super::expr::{Clause, ExprContext, number_literal};
use super::names::normalize_ident;
use super::{Binder, Scope};
use crate::expr::{Expr, ExprKind};
use crate::parser_insert::{Literal, LiteralInsert};
use crate::plan::{ConflictAction, InsertPlan, LogicalPlan, OnConflict, ValuesRows};

/// Where an INSERT's values go.
struct InsertTarget {
    table: Arc<TableDef>,
    /// The columns the values fill, in statement order, as positions among the table's
    /// visible columns.
    targets: Vec<usize>,
    /// Whether the statement named its columns.
    explicit: bool,
    /// Every visible column's type and name.
    types: Vec<DataType>,
    names: Vec<String>,
    /// Each column's DEFAULT, bound the first time a row needs it: a 1,000-row INSERT that
    /// leaves a column out binds its default once, not once per row.
    defaults: Vec<Option<Expr>>,
}

impl InsertTarget {
    fn width(&self) -> usize {
        self.types.len()
    }
}

/// One value of a VALUES row, in either form the binder reads.
trait ValuesCell {
    /// The value bound (still of its own type), or None for the keyword DEFAULT.
    fn bind_cell(&self, binder: &mut Binder<'_>) -> SqlResult<Option<Expr>>;
    /// Where the value is in the statement text, for error positions.
    fn position(&self) -> Option<Span>;
    /// The value for a column of type `ty`, when binding it and casting it to the column
    /// would give exactly this and could not fail; None sends the cell through `bind_cell`
    /// and the assignment cast (which also gives every error).
    fn direct_value(&self, _ty: &DataType) -> Option<Value> {
        None
    }
}

impl ValuesCell for AstExpr {
    fn bind_cell(&self, binder: &mut Binder<'_>) -> SqlResult<Option<Expr>> {
        if is_default_keyword(self) {
            return Ok(None);
        }
        let empty = Scope::default();
        let mut cx = ExprContext::new(&empty, Clause::Values);
        binder.bind_expr(self, &mut cx).map(Some)
    }

    fn position(&self) -> Option<Span> {
        Some(self.span())
    }
}

/// The compact form's literals bind as `Binder::bind_value` binds the same literals in the
/// tree: a string is unknown-typed text, a number int4, int8 or numeric by its size.
impl ValuesCell for Literal<'_> {
    fn bind_cell(&self, _binder: &mut Binder<'_>) -> SqlResult<Option<Expr>> {
        Ok(Some(match self {
            Literal::Default(_) => return Ok(None),
            Literal::Null => Expr::null(DataType::Unknown),
            Literal::Bool(b) => Expr::literal(Value::Bool(*b), DataType::Bool),
            Literal::Number(text) => number_literal(text)?,
            Literal::String(s) => Expr::literal(Value::Text(s.to_string()), DataType::Unknown),
            Literal::Placeholder(_) => {
                return Err(SqlError::internal("a parameter in a literal-only INSERT"));
            }
        }))
    }

    fn position(&self) -> Option<Span> {
        None
    }

    /// The literals of a bulk INSERT of integers, text and booleans: a number in an integer
    /// column's range (any other number, such as `1.5` rounding into an integer column or one
    /// out of range, takes the cast and its error), a string for an unbounded text column, a
    /// Boolean for a Boolean column, and NULL, which every column type takes (NOT NULL is
    /// checked when the row is inserted).
    fn direct_value(&self, ty: &DataType) -> Option<Value> {
        match (self, ty) {
            (Literal::Null, _) => Some(Value::Null),
            (Literal::Bool(b), DataType::Bool) => Some(Value::Bool(*b)),
            (Literal::Number(text), DataType::Int2 | DataType::Int4 | DataType::Int8) => {
                let digits = text.strip_prefix('-').unwrap_or(text);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let v: i64 = text.parse().ok()?;
                match ty {
                    DataType::Int2 => i16::try_from(v).ok().map(Value::Int2),
                    DataType::Int4 => i32::try_from(v).ok().map(Value::Int4),
                    _ => Some(Value::Int8(v)),
                }
            }
            (Literal::String(s), DataType::Text | DataType::Varchar(None)) => {
                Some(Value::Text(s.to_string()))
            }
            _ => None,
        }
    }
}

impl Binder<'_> {
    pub fn bind_insert(&mut self, insert: &ast::Insert) -> SqlResult<InsertPlan> {
        let table_name = match &insert.table {
            ast::TableObject::TableName(name) => name,
            _ => return Err(SqlError::not_supported("INSERT into a table function")),
        };
        // PostgreSQL's INSERT target takes an alias only after AS; sqlparser also reads a bare
        // word there (`INSERT INTO t VALUE (1)` would name the table "value").
        if let Some(alias) = insert.table_alias.as_ref().filter(|a| !a.explicit) {
            return Err(self.error_at(
                SqlState::SYNTAX_ERROR,
                format!("syntax error at or near \"{}\"", alias.alias.value),
                alias.alias.span,
            ));
        }
        let mut target = self.insert_target(table_name, &insert.columns)?;
        let table = target.table.clone();
        let qualifier = insert
            .table_alias
            .as_ref()
            .map(|a| normalize_ident(&a.alias))
            .unwrap_or_else(|| table.name.clone());

        let source = match &insert.source {
            None => {
                // DEFAULT VALUES
                let mut row = Vec::with_capacity(target.width());
                for i in 0..target.width() {
                    row.push(self.column_default(&table, i)?);
                }
                LogicalPlan::Values {
                    rows: Arc::new(ValuesRows::Exprs(vec![row])),
                    schema: table_schema(&table),
                }
            }
            Some(query) => self.bind_insert_source(&mut target, query)?,
        };

        let checks = self.table_checks(&table)?;
        let scope = Scope::for_table(&table, &qualifier);
        let on_conflict = match &insert.on {
            None => None,
            Some(ast::OnInsert::OnConflict(oc)) => {
                Some(self.bind_on_conflict(&table, &qualifier, oc)?)
            }
            Some(ast::OnInsert::DuplicateKeyUpdate(_)) => {
                return Err(SqlError::syntax("syntax error at or near \"ON DUPLICATE\""));
            }
            Some(_) => return Err(SqlError::not_supported("this ON clause")),
        };
        let returning = self.bind_returning(&insert.returning, &scope)?;
        Ok(InsertPlan {
            table,
            source,
            checks,
            on_conflict,
            returning,
        })
    }

    /// Binds a literal-only INSERT read by `parser_insert::read_literal_insert`: the plan
    /// [`Binder::bind_insert`] gives for the same text. Its errors carry no position (the
    /// compact form keeps none), so a caller that wants PostgreSQL's positioned errors parses
    /// the text and binds the tree when this fails.
    pub(crate) fn bind_literal_insert(
        &mut self,
        insert: &LiteralInsert<'_>,
    ) -> SqlResult<InsertPlan> {
        let mut target = self.insert_target(&insert.table, &insert.columns)?;
        let table = target.table.clone();
        check_insert_width(insert.width, &mut target.targets, target.explicit)?;
        let rows = self.bind_value_rows(&mut target, insert.rows())?;
        Ok(InsertPlan {
            source: LogicalPlan::Values {
                rows: Arc::new(rows),
                schema: table_schema(&table),
            },
            checks: self.table_checks(&table)?,
            on_conflict: None,
            returning: None,
            table,
        })
    }

    /// The table an INSERT writes and the columns its values fill.
    fn insert_target(
        &mut self,
        table_name: &ast::ObjectName,
        columns: &[ast::ObjectName],
    ) -> SqlResult<InsertTarget> {
        let table = self.target_table(table_name)?;
        let types: Vec<DataType> = table
            .visible_columns()
            .map(|c| c.data_type.clone())
            .collect();
        let names: Vec<String> = table.visible_columns().map(|c| c.name.clone()).collect();
        let width = types.len();
        let mut targets: Vec<usize> = Vec::with_capacity(columns.len());
        for col in columns {
            let parts = super::names::object_name_parts(col)?;
            let name = parts.last().cloned().unwrap_or_default();
            let pos = self.column_position(&table, &name, col.span())?;
            if targets.contains(&pos) {
                return Err(self.error_at(
                    SqlState::DUPLICATE_COLUMN,
                    format!("column \"{name}\" specified more than once"),
                    col.span(),
                ));
            }
            targets.push(pos);
        }
        if columns.is_empty() {
            targets = (0..width).collect();
        }
        Ok(InsertTarget {
            table,
            targets,
            explicit: !columns.is_empty(),
            types,
            names,
            defaults: vec![None; width],
        })
    }

    fn bind_insert_source(
        &mut self,
        target: &mut InsertTarget,
        query: &ast::Query,
    ) -> SqlResult<LogicalPlan> {
        let plain_values = match query.body.as_ref() {
            SetExpr::Values(values)
                if query.order_by.is_none()
                    && query.limit_clause.is_none()
                    && query.with.is_none() =>
            {
                Some(values)
            }
            _ => None,
        };
        if let Some(values) = plain_values {
            // VALUES rows bind straight against the target columns' types, so '2024-01-01'
            // becomes a date and DEFAULT is allowed in any position.
            let row_width = values.rows.first().map_or(0, |r| r.content.len());
            for row in &values.rows {
                if row.content.len() != row_width {
                    let err = SqlError::new(
                        SqlState::SYNTAX_ERROR,
                        "VALUES lists must all be the same length",
                    );
                    return Err(match row.content.first() {
                        Some(e) => self.at(err, e.span()),
                        None => err,
                    });
                }
            }
            check_insert_width(row_width, &mut target.targets, target.explicit)?;
            let rows = values.rows.iter().map(|row| row.content.as_slice());
            let rows = self.bind_value_rows(target, rows)?;
            return Ok(LogicalPlan::Values {
                rows: Arc::new(rows),
                schema: table_schema(&target.table),
            });
        }
        // The source's untyped literals stay unknown so they take the target columns' types
        // (PostgreSQL reads `'2024-01-02'` with the date column's input function).
        self.keep_unknown_outputs = matches!(query.body.as_ref(), SetExpr::Select(_));
        let plan = self.bind_query(query);
        self.keep_unknown_outputs = false;
        let plan = plan?;
        check_insert_width(plan.schema().len(), &mut target.targets, target.explicit)?;
        let plan =
            self.type_unknown_outputs(plan, &target.targets, &target.types, &target.names)?;
        let schema = plan.schema();
        let mut exprs: Vec<Option<Expr>> = vec![None; target.width()];
        for (i, &pos) in target.targets.iter().enumerate() {
            let col = Expr::column(i, schema[i].ty.clone());
            exprs[pos] =
                Some(self.coerce_assignment(col, &target.types[pos], &target.names[pos])?);
        }
        let mut complete = Vec::with_capacity(target.width());
        for (pos, e) in exprs.into_iter().enumerate() {
            complete.push(match e {
                Some(e) => e,
                None => self.target_default(target, pos)?,
            });
        }
        Ok(LogicalPlan::Project {
            input: Box::new(plan),
            exprs: complete,
            schema: table_schema(&target.table),
        })
    }

    /// Binds VALUES rows (all as wide as the target list, already checked) into complete
    /// table rows: each value cast to its column's type by assignment rules, in statement
    /// order, and every column a row does not give its default. The rows stay constants while
    /// every value is one (a literal cast to its column, a constant default); the first row
    /// with something to evaluate turns the rows bound so far back into expressions.
    fn bind_value_rows<'c, C: ValuesCell + 'c>(
        &mut self,
        target: &mut InsertTarget,
        rows: impl ExactSizeIterator<Item = &'c [C]>,
    ) -> SqlResult<ValuesRows> {
        let width = target.width();
        // Values given for the leading columns in order (the common case) go straight into
        // place; otherwise each row is assembled by position.
        let in_order = target.targets.iter().enumerate().all(|(i, &pos)| i == pos);
        let mut constants: Vec<Row> = Vec::with_capacity(rows.len());
        let mut exprs: Option<Vec<Vec<Expr>>> = None;
        // One row's expressions, reused from row to row.
        let mut complete: Vec<Expr> = Vec::with_capacity(width);
        for row in rows {
            // While the rows are constants, a row of plain literals in column order becomes
            // its values directly (a bulk INSERT's every row); any other row binds below.
            if exprs.is_none() && in_order && row.len() == width {
                let mut values: Row = Vec::with_capacity(width);
                for (cell, ty) in row.iter().zip(&target.types) {
                    match cell.direct_value(ty) {
                        Some(v) => values.push(v),
                        None => break,
                    }
                }
                if values.len() == width {
                    constants.push(values);
                    continue;
                }
            }
            complete.clear();
            if in_order {
                for (pos, cell) in row.iter().enumerate() {
                    complete.push(self.bind_column_value(target, pos, cell)?);
                }
                for pos in row.len()..width {
                    complete.push(self.target_default(target, pos)?);
                }
            } else {
                let mut slots: Vec<Option<Expr>> = vec![None; width];
                for (i, cell) in row.iter().enumerate() {
                    let pos = target.targets[i];
                    slots[pos] = Some(self.bind_column_value(target, pos, cell)?);
                }
                for (pos, slot) in slots.into_iter().enumerate() {
                    complete.push(match slot {
                        Some(e) => e,
                        None => self.target_default(target, pos)?,
                    });
                }
            }
            debug_assert_eq!(
                complete.len(),
                width,
                "a bound VALUES row fills every column"
            );
            if let Some(exprs) = exprs.as_mut() {
                exprs.push(std::mem::take(&mut complete));
                complete.reserve(width);
            } else if is_constant_row(&complete, &target.types) {
                constants.push(complete.drain(..).map(into_constant).collect());
            } else {
                let mut all = Vec::with_capacity(constants.capacity());
                for values in constants.drain(..) {
                    let row = values
                        .into_iter()
                        .zip(&target.types)
                        .map(|(v, ty)| Expr::literal(v, ty.clone()))
                        .collect();
                    all.push(row);
                }
                all.push(std::mem::take(&mut complete));
                complete.reserve(width);
                exprs = Some(all);
            }
        }
        Ok(match exprs {
            Some(exprs) => ValuesRows::Exprs(exprs),
            None => ValuesRows::Constants(constants),
        })
    }

    /// One VALUES value for the column at `pos`: DEFAULT, or the value cast to the column.
    fn bind_column_value<C: ValuesCell>(
        &mut self,
        target: &mut InsertTarget,
        pos: usize,
        cell: &C,
    ) -> SqlResult<Expr> {
        let Some(bound) = cell.bind_cell(self)? else {
            return self.target_default(target, pos);
        };
        self.coerce_assignment(bound, &target.types[pos], &target.names[pos])
            .map_err(|err| match cell.position() {
                Some(span) => self.at(err, span),
                None => err,
            })
    }

    /// The column's DEFAULT, bound on first use.
    fn target_default(&mut self, target: &mut InsertTarget, pos: usize) -> SqlResult<Expr> {
        if let Some(e) = &target.defaults[pos] {
            return Ok(e.clone());
        }
        let e = self.column_default(&target.table, pos)?;
        target.defaults[pos] = Some(e.clone());
        Ok(e)
    }

    /// Gives the source's unknown-typed output expressions the types of their target
    /// columns; any left (under DISTINCT, say) are converted from text when the row is built.
    fn type_unknown_outputs(
        &mut self,
        plan: LogicalPlan,
        targets: &[usize],
        types: &[DataType],
        names: &[String],
    ) -> SqlResult<LogicalPlan> {
        let LogicalPlan::Project {
            input,
            mut exprs,
            mut schema,
        } = plan
        else {
            return Ok(plan);
        };
        for (i, &pos) in targets.iter().enumerate() {
            if let (Some(e), Some(field)) = (exprs.get_mut(i), schema.get_mut(i))
                && e.ty == DataType::Unknown
            {
                let untyped = std::mem::replace(e, Expr::null(DataType::Unknown));
                *e = self.coerce_assignment(untyped, &types[pos], &names[pos])?;
                field.ty = e.ty.clone();
            }
        }
        Ok(LogicalPlan::Project {
            input,
            exprs,
            schema,
        })
    }

    fn bind_on_conflict(
        &mut self,
        table: &Arc<TableDef>,
        qualifier: &str,
        oc: &ast::OnConflict,
    ) -> SqlResult<OnConflict> {
        let arbiter = match &oc.conflict_target {
            None => None,
            Some(ast::ConflictTarget::OnConstraint(name)) => {
                let name = super::names::object_name_parts(name)?
                    .last()
                    .cloned()
                    .unwrap_or_default();
                let found = table.indexes.iter().any(|i| {
                    i.unique && (i.constraint.as_deref() == Some(name.as_str()) || i.name == name)
                });
                if !found {
                    return Err(SqlError::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!(
                            "constraint \"{name}\" for table \"{}\" does not exist",
                            table.name
                        ),
                    ));
                }
                Some(name)
            }
            Some(ast::ConflictTarget::Columns { columns, predicate }) => {
                if predicate.is_some() {
                    return Err(SqlError::not_supported(
                        "ON CONFLICT with an index predicate",
                    ));
                }
                let mut attnums = Vec::with_capacity(columns.len());
                for c in columns {
                    let name = normalize_ident(c);
                    let column = table.column(&name).ok_or_else(|| {
                        SqlError::new(
                            SqlState::UNDEFINED_COLUMN,
                            format!("column \"{name}\" does not exist"),
                        )
                    })?;
                    attnums.push(column.attnum);
                }
                attnums.sort_unstable();
                let index = table.indexes.iter().find(|i| {
                    let mut cols: Vec<u16> = i.columns.iter().map(|c| c.attnum).collect();
                    cols.sort_unstable();
                    i.unique && cols == attnums
                });
                match index {
                    Some(i) => Some(i.constraint.clone().unwrap_or_else(|| i.name.clone())),
                    None => {
                        return Err(SqlError::new(
                            SqlState::INVALID_COLUMN_REFERENCE,
                            "there is no unique or exclusion constraint matching the ON CONFLICT specification",
                        ));
                    }
                }
            }
        };
        let action = match &oc.action {
            ast::OnConflictAction::DoNothing => ConflictAction::Nothing,
            ast::OnConflictAction::DoUpdate(update) => {
                if arbiter.is_none() {
                    return Err(SqlError::new(
                        SqlState::SYNTAX_ERROR,
                        "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                    )
                    .with_hint("For example, ON CONFLICT (column_name)."));
                }
                // The existing row, then the proposed one as EXCLUDED.
                let scope =
                    Scope::for_table(table, qualifier).join(Scope::for_table(table, "excluded"));
                let assignments = self.bind_assignments(table, &update.assignments, &scope)?;
                let filter = match &update.selection {
                    Some(w) => {
                        let mut cx = ExprContext::new(&scope, Clause::Where);
                        Some(self.bind_condition(w, &mut cx)?)
                    }
                    None => None,
                };
                ConflictAction::Update {
                    assignments,
                    filter,
                }
            }
        };
        Ok(OnConflict { arbiter, action })
    }
}

/// Checks the number of values an INSERT row has against its target columns. Without a
/// column list, fewer values fill the leading columns (the rest take their defaults).
fn check_insert_width(
    values: usize,
    targets: &mut Vec<usize>,
    explicit_columns: bool,
) -> SqlResult<()> {
    if values > targets.len() {
        return Err(SqlError::new(
            SqlState::SYNTAX_ERROR,
            "INSERT has more expressions than target columns",
        ));
    }
    if values < targets.len() {
        if explicit_columns {
            return Err(SqlError::new(
                SqlState::SYNTAX_ERROR,
                "INSERT has more target columns than expressions",
            ));
        }
        targets.truncate(values);
    }
    Ok(())
}

/// Whether a bound row is constants only, each already of its column's type (so it can be
/// kept as values and turned back into the same expressions).
fn is_constant_row(row: &[Expr], types: &[DataType]) -> bool {
    row.iter()
        .zip(types)
        .all(|(e, ty)| matches!(e.kind, ExprKind::Literal(_)) && e.ty == *ty)
}

/// The value of a literal (`is_constant_row` checked that it is one).
fn into_constant(e: Expr) -> Value {
    match e.kind {
        ExprKind::Literal(v) => v,
        _ => unreachable!("is_constant_row admits literals only"),
    }
}
