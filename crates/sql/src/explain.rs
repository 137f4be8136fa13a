//! EXPLAIN and EXPLAIN ANALYZE: the optimized plan as an indented tree in PostgreSQL's style
//! (`Seq Scan on t`, `Index Scan using t_pkey on t`, `Hash Join`, ...), with the access path
//! each scan uses, and for ANALYZE the rows each node actually produced and the time taken.

use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::time::Instant;

use sqlparser::ast::{self, Expr as AstExpr, Statement, UtilityOption};

use embeddb_tables::Transaction;
use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use crate::binder::Binder;
use crate::exec::context::ExecContext;
use crate::expr::{Expr, ExprKind};
use crate::plan::{
    AccessPath, ConflictAction, Field, InsertPlan, JoinKind, KeyRange, LogicalPlan, SetOpKind,
};
use crate::result::{QueryResult, Tag};
use crate::session::{Executed, Session};
use crate::statement::BoundStatement;

/// Renders an expression with column names from the input's fields.
pub struct Shown<'a> {
    pub expr: &'a Expr,
    pub input: &'a [Field],
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expr(self.expr, self.input, f)
    }
}

/// Renders without names (column positions as `$n`); used by `Expr`'s Display.
pub fn fmt_expr(expr: &Expr, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write_expr(expr, &[], f)
}

fn write_expr(e: &Expr, input: &[Field], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    fn sub<'a>(x: &'a Expr, input: &'a [Field]) -> Shown<'a> {
        Shown { expr: x, input }
    }
    match &e.kind {
        ExprKind::Literal(Value::Null) => f.write_str("NULL"),
        ExprKind::Literal(v) => {
            let text =
                embeddb_types::format_text(v, &e.ty, &embeddb_types::FormatContext::default());
            match e.ty {
                DataType::Int2
                | DataType::Int4
                | DataType::Int8
                | DataType::Numeric(_)
                | DataType::Float4
                | DataType::Float8
                | DataType::Bool => f.write_str(&text),
                _ => write!(f, "'{}'::{}", text.replace('\'', "''"), e.ty),
            }
        }
        ExprKind::Column(i) => match input.get(*i) {
            Some(field) => f.write_str(&field.name),
            None => write!(f, "${}", i + 1),
        },
        ExprKind::OuterColumn { index, .. } => write!(f, "outer.${}", index + 1),
        ExprKind::Param(i) => write!(f, "${}", i + 1),
        ExprKind::Binary {
            op, left, right, ..
        } => write!(
            f,
            "({} {} {})",
            sub(left, input),
            op.symbol(),
            sub(right, input)
        ),
        ExprKind::Unary { op, operand, .. } => {
            write!(f, "({} {})", op.symbol(), sub(operand, input))
        }
        ExprKind::And(l, r) => write!(f, "({} AND {})", sub(l, input), sub(r, input)),
        ExprKind::Or(l, r) => write!(f, "({} OR {})", sub(l, input), sub(r, input)),
        ExprKind::Not(x) => write!(f, "(NOT {})", sub(x, input)),
        ExprKind::IsNull { expr, negated } => {
            write!(
                f,
                "({} IS {}NULL)",
                sub(expr, input),
                if *negated { "NOT " } else { "" }
            )
        }
        ExprKind::IsBool {
            expr,
            value,
            negated,
        } => {
            let v = match value {
                Some(true) => "TRUE",
                Some(false) => "FALSE",
                None => "UNKNOWN",
            };
            write!(
                f,
                "({} IS {}{v})",
                sub(expr, input),
                if *negated { "NOT " } else { "" }
            )
        }
        ExprKind::IsDistinctFrom {
            left,
            right,
            negated,
            ..
        } => write!(
            f,
            "({} IS {}DISTINCT FROM {})",
            sub(left, input),
            if *negated { "NOT " } else { "" },
            sub(right, input)
        ),
        ExprKind::Cast { expr, .. } => write!(f, "({})::{}", sub(expr, input), e.ty),
        ExprKind::Function { func, args } => {
            write!(f, "{}(", func.name)?;
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{}", sub(a, input))?;
            }
            f.write_str(")")
        }
        ExprKind::Case { .. } => f.write_str("CASE ... END"),
        ExprKind::CaseOperand => f.write_str("CASE_TEST_EXPR"),
        ExprKind::InList {
            expr,
            list,
            negated,
            ..
        } => {
            write!(
                f,
                "({} {}IN (",
                sub(expr, input),
                if *negated { "NOT " } else { "" }
            )?;
            for (i, a) in list.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{}", sub(a, input))?;
            }
            f.write_str("))")
        }
        ExprKind::Like {
            expr,
            pattern,
            case_insensitive,
            negated,
            ..
        } => write!(
            f,
            "({} {}{} {})",
            sub(expr, input),
            if *negated { "!" } else { "" },
            if *case_insensitive { "~~*" } else { "~~" },
            sub(pattern, input)
        ),
        ExprKind::Row(args) => {
            f.write_str("ROW(")?;
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{}", sub(a, input))?;
            }
            f.write_str(")")
        }
        ExprKind::Coalesce(args) => {
            f.write_str("COALESCE(")?;
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{}", sub(a, input))?;
            }
            f.write_str(")")
        }
        ExprKind::NullIf { left, right, .. } => {
            write!(f, "NULLIF({}, {})", sub(left, input), sub(right, input))
        }
        ExprKind::MinMax { greatest, .. } => f.write_str(if *greatest {
            "GREATEST(...)"
        } else {
            "LEAST(...)"
        }),
        ExprKind::ArrayLiteral(_) => f.write_str("ARRAY[...]"),
        ExprKind::ArraySubscript { array, subscripts } => {
            write!(f, "{}", sub(array, input))?;
            for s in subscripts {
                match s {
                    crate::expr::Subscript::Index(i) => write!(f, "[{}]", sub(i, input))?,
                    crate::expr::Subscript::Slice(lo, hi) => {
                        f.write_str("[")?;
                        if let Some(lo) = lo {
                            write!(f, "{}", sub(lo, input))?;
                        }
                        f.write_str(":")?;
                        if let Some(hi) = hi {
                            write!(f, "{}", sub(hi, input))?;
                        }
                        f.write_str("]")?;
                    }
                }
            }
            Ok(())
        }
        ExprKind::ArrayAssign { array, .. } => write!(f, "{}[...] := ...", sub(array, input)),
        ExprKind::Subquery(_) => f.write_str("(SubPlan)"),
        ExprKind::Quantified(q) => write!(
            f,
            "({} {} {} (SubPlan))",
            q.left
                .iter()
                .map(|l| sub(l, input).to_string())
                .collect::<Vec<_>>()
                .join(", "),
            q.op.symbol(),
            if q.all { "ALL" } else { "ANY" }
        ),
        ExprKind::QuantifiedArray {
            left,
            op,
            all,
            array,
            ..
        } => write!(
            f,
            "({} {} {} ({}))",
            sub(left, input),
            op.symbol(),
            if *all { "ALL" } else { "ANY" },
            sub(array, input)
        ),
        ExprKind::AggregateRef(i) => write!(f, "agg{i}"),
        ExprKind::WindowRef(i) => write!(f, "window{i}"),
        ExprKind::SetFunctionRef(i) => write!(f, "srf{i}"),
    }
}

fn key_condition(range: &KeyRange, key_names: &[String], input: &[Field]) -> String {
    let mut parts = Vec::new();
    for (e, name) in range.prefix.iter().zip(key_names) {
        parts.push(format!("({name} = {})", Shown { expr: e, input }));
    }
    if let Some(name) = key_names.get(range.prefix.len()) {
        if let Some((e, inclusive)) = &range.lower {
            parts.push(format!(
                "({name} {} {})",
                if *inclusive { ">=" } else { ">" },
                Shown { expr: e, input }
            ));
        }
        if let Some((e, inclusive)) = &range.upper {
            parts.push(format!(
                "({name} {} {})",
                if *inclusive { "<=" } else { "<" },
                Shown { expr: e, input }
            ));
        }
    }
    parts.join(" AND ")
}

/// Row counts of each plan node in pre-order, filled while EXPLAIN ANALYZE runs the plan.
pub type NodeCounts = Arc<parking_lot::Mutex<Vec<u64>>>;

struct Renderer<'a> {
    out: Vec<String>,
    counts: Option<&'a [u64]>,
    next_node: usize,
}

impl Renderer<'_> {
    fn node(&mut self, depth: usize, title: String, details: Vec<String>) {
        let index = self.next_node;
        self.next_node += 1;
        let title = match self.counts {
            Some(counts) => format!(
                "{title} (actual rows={} loops=1)",
                counts.get(index).copied().unwrap_or(0)
            ),
            None => title,
        };
        let (prefix, detail_indent) = if depth == 0 {
            (String::new(), "  ".to_string())
        } else {
            let pad = " ".repeat(depth * 6 - 6);
            (format!("{pad}  ->  "), format!("{pad}        "))
        };
        self.out.push(format!("{prefix}{title}"));
        for d in details {
            self.out.push(format!("{detail_indent}{d}"));
        }
    }

    fn plan(&mut self, plan: &LogicalPlan, depth: usize) {
        match plan {
            LogicalPlan::OneRow => self.node(depth, "Result".into(), vec![]),
            LogicalPlan::Empty { .. } => self.node(
                depth,
                "Result".into(),
                vec!["One-Time Filter: false".into()],
            ),
            LogicalPlan::Values { rows, .. } => self.node(
                depth,
                format!("Values Scan on \"*VALUES*\" ({} rows)", rows.len()),
                vec![],
            ),
            LogicalPlan::Scan(scan) => {
                let name = &scan.table.name;
                let mut details = Vec::new();
                let title = match &scan.access {
                    AccessPath::FullScan => format!("Seq Scan on {name}"),
                    AccessPath::PrimaryKey { ranges } => {
                        let keys: Vec<String> = scan
                            .table
                            .primary_key
                            .iter()
                            .filter_map(|a| scan.table.column_by_attnum(*a).map(|c| c.name.clone()))
                            .collect();
                        let conds: Vec<String> = ranges
                            .iter()
                            .map(|r| key_condition(r, &keys, &scan.schema))
                            .collect();
                        details.push(format!("Index Cond: {}", conds.join(" OR ")));
                        let pk = scan
                            .table
                            .primary_key_name
                            .clone()
                            .unwrap_or_else(|| format!("{name}_pkey"));
                        format!(
                            "Index Scan{} using {pk} on {name}",
                            if scan.reverse { " Backward" } else { "" }
                        )
                    }
                    AccessPath::Index { index, ranges } => {
                        let def = &scan.table.indexes[*index];
                        let keys: Vec<String> = def
                            .columns
                            .iter()
                            .filter_map(|c| {
                                scan.table
                                    .column_by_attnum(c.attnum)
                                    .map(|col| col.name.clone())
                            })
                            .collect();
                        let conds: Vec<String> = ranges
                            .iter()
                            .map(|r| key_condition(r, &keys, &scan.schema))
                            .collect();
                        details.push(format!("Index Cond: {}", conds.join(" OR ")));
                        format!(
                            "Index Scan{} using {} on {name}",
                            if scan.reverse { " Backward" } else { "" },
                            def.name
                        )
                    }
                };
                if matches!(scan.access, AccessPath::FullScan) && scan.reverse {
                    // A reverse full scan is the primary key index read backward.
                }
                if let Some(filter) = &scan.filter {
                    details.push(format!(
                        "Filter: {}",
                        Shown {
                            expr: filter,
                            input: &scan.schema
                        }
                    ));
                }
                if let Some(limit) = &scan.limit {
                    details.push(format!(
                        "Stop After: {}",
                        Shown {
                            expr: limit,
                            input: &[]
                        }
                    ));
                }
                self.node(depth, title, details);
            }
            LogicalPlan::FunctionScan { calls, .. } => {
                self.node(depth, crate::functions::table::scan_title(calls), vec![])
            }
            LogicalPlan::ProjectSet { input, .. } => {
                self.node(depth, "ProjectSet".into(), vec![]);
                self.plan(input, depth + 1);
            }
            LogicalPlan::Filter { input, predicate } => {
                let schema = input.schema();
                self.node(
                    depth,
                    "Filter".into(),
                    vec![format!(
                        "Filter: {}",
                        Shown {
                            expr: predicate,
                            input: &schema
                        }
                    )],
                );
                self.plan(input, depth + 1);
            }
            LogicalPlan::Project { input, .. } => {
                // Projections are part of every node in PostgreSQL's plans; show the input.
                self.next_node += 1;
                self.plan(input, depth);
            }
            LogicalPlan::Aggregate {
                input, group_by, ..
            } => {
                let schema = input.schema();
                if group_by.is_empty() {
                    self.node(depth, "Aggregate".into(), vec![]);
                } else {
                    let keys: Vec<String> = group_by
                        .iter()
                        .map(|g| {
                            Shown {
                                expr: g,
                                input: &schema,
                            }
                            .to_string()
                        })
                        .collect();
                    self.node(
                        depth,
                        "HashAggregate".into(),
                        vec![format!("Group Key: {}", keys.join(", "))],
                    );
                }
                self.plan(input, depth + 1);
            }
            LogicalPlan::Window { input, .. } => {
                self.node(depth, "WindowAgg".into(), vec![]);
                self.plan(input, depth + 1);
            }
            LogicalPlan::Sort { input, keys, limit } => {
                let schema = input.schema();
                let shown: Vec<String> = keys
                    .iter()
                    .map(|k| {
                        let mut s = Shown {
                            expr: &k.expr,
                            input: &schema,
                        }
                        .to_string();
                        if k.descending {
                            s.push_str(" DESC");
                        }
                        s
                    })
                    .collect();
                let title = if limit.is_some() {
                    "Sort (top-N)"
                } else {
                    "Sort"
                };
                self.node(
                    depth,
                    title.into(),
                    vec![format!("Sort Key: {}", shown.join(", "))],
                );
                self.plan(input, depth + 1);
            }
            LogicalPlan::Limit { input, .. } => {
                self.node(depth, "Limit".into(), vec![]);
                self.plan(input, depth + 1);
            }
            LogicalPlan::Distinct { input, on } => {
                let title = if on.is_some() {
                    "Unique"
                } else {
                    "HashAggregate (DISTINCT)"
                };
                self.node(depth, title.into(), vec![]);
                self.plan(input, depth + 1);
            }
            LogicalPlan::Join {
                left,
                right,
                kind,
                condition,
                schema,
            } => {
                let hash = condition.as_ref().is_some_and(|c| {
                    c.clone().conjuncts().iter().any(|x| {
                        matches!(
                            x.kind,
                            ExprKind::Binary {
                                op: embeddb_types::BinaryOp::Eq,
                                ..
                            }
                        )
                    })
                });
                let kind_name = match kind {
                    JoinKind::Inner => "",
                    JoinKind::Left => " Left",
                    JoinKind::Right => " Right",
                    JoinKind::Full => " Full",
                    JoinKind::Semi => " Semi",
                    JoinKind::Anti => " Anti",
                };
                let (title, label) = if hash {
                    (format!("Hash{kind_name} Join"), "Hash Cond")
                } else {
                    (format!("Nested Loop{kind_name}"), "Join Filter")
                };
                let details = condition
                    .iter()
                    .map(|c| {
                        format!(
                            "{label}: {}",
                            Shown {
                                expr: c,
                                input: schema
                            }
                        )
                    })
                    .collect();
                self.node(depth, title, details);
                self.plan(left, depth + 1);
                self.plan(right, depth + 1);
            }
            LogicalPlan::SetOp {
                left,
                right,
                kind,
                all,
                ..
            } => {
                let title = match (kind, all) {
                    (SetOpKind::Union, true) => "Append",
                    (SetOpKind::Union, false) => "HashAggregate (UNION)",
                    (SetOpKind::Intersect, _) => "HashSetOp Intersect",
                    (SetOpKind::Except, _) => "HashSetOp Except",
                };
                self.node(depth, title.into(), vec![]);
                self.plan(left, depth + 1);
                self.plan(right, depth + 1);
            }
            LogicalPlan::RecursiveUnion {
                anchor, recursive, ..
            } => {
                self.node(depth, "Recursive Union".into(), vec![]);
                self.plan(anchor, depth + 1);
                self.plan(recursive, depth + 1);
            }
            LogicalPlan::WorkTable { .. } => self.node(depth, "WorkTable Scan".into(), vec![]),
            LogicalPlan::SharedScan { input, .. } => {
                self.node(depth, "CTE Scan".into(), vec![]);
                self.plan(input, depth + 1);
            }
        }
    }
}

/// The plan as EXPLAIN's lines.
pub fn render(plan: &LogicalPlan, counts: Option<&[u64]>) -> Vec<String> {
    let mut r = Renderer {
        out: Vec::new(),
        counts,
        next_node: 0,
    };
    r.plan(plan, 0);
    r.out
}

/// Renders a data-modifying statement: its `Insert on t` / `Update on t` / `Delete on t` node
/// over the plan that produces its rows.
fn render_dml(
    title: String,
    details: Vec<String>,
    input: &LogicalPlan,
    counts: Option<&[u64]>,
    affected: Option<u64>,
) -> Vec<String> {
    let title = match affected {
        Some(rows) => format!("{title} (actual rows={rows} loops=1)"),
        None => title,
    };
    let mut r = Renderer {
        out: vec![title],
        counts,
        next_node: 0,
    };
    r.out.extend(details.into_iter().map(|d| format!("  {d}")));
    r.plan(input, 1);
    r.out
}

fn conflict_details(plan: &InsertPlan) -> Vec<String> {
    let Some(oc) = &plan.on_conflict else {
        return Vec::new();
    };
    let mut details = vec![format!(
        "Conflict Resolution: {}",
        match oc.action {
            ConflictAction::Nothing => "NOTHING",
            ConflictAction::Update { .. } => "UPDATE",
        }
    )];
    if let Some(arbiter) = &oc.arbiter {
        let index = plan
            .table
            .indexes
            .iter()
            .find(|i| i.constraint.as_deref() == Some(arbiter.as_str()) || i.name == *arbiter)
            .map(|i| i.name.clone())
            .or_else(|| plan.table.primary_key_name.clone())
            .unwrap_or_else(|| arbiter.clone());
        details.push(format!("Conflict Arbiter Indexes: {index}"));
    }
    details
}

/// Runs a plan or statement for EXPLAIN ANALYZE with every operator counting its rows, and
/// returns the counts (pre-order) and, for INSERT/UPDATE/DELETE, the rows RETURNING produced.
fn run_instrumented(
    txn: &mut Transaction,
    bound: &BoundStatement,
    ctx: &ExecContext,
) -> SqlResult<(Vec<u64>, u64)> {
    let counts: NodeCounts = Arc::new(parking_lot::Mutex::new(Vec::new()));
    crate::session::lock_statement(txn, bound, ctx)?;
    let ctx = &crate::session::snapshot_after_locks(txn, ctx);
    let mut instrumented = ctx.clone();
    instrumented.node_counts = Some(counts.clone());
    let returned = |result: crate::exec::dml::DmlResult| result.returning.len() as u64;
    let mut produced = 0;
    match bound {
        BoundStatement::Query(plan) => {
            let mut op = crate::exec::build(plan, &instrumented)?;
            while op.next_chunk()?.is_some() {}
        }
        BoundStatement::Insert(plan) => {
            produced = returned(crate::exec::dml::execute_insert(plan, txn, &instrumented)?);
        }
        BoundStatement::Update(plan) => {
            // The target scan is not an operator of its own: it found the rows changed.
            let result = crate::exec::dml::execute_update(plan, txn, ctx)?;
            *counts.lock() = vec![result.count];
            produced = returned(result);
        }
        BoundStatement::Delete(plan) => {
            let result = crate::exec::dml::execute_delete(plan, txn, ctx)?;
            *counts.lock() = vec![result.count];
            produced = returned(result);
        }
    }
    let counts = counts.lock().clone();
    Ok((counts, produced))
}

/// Whether `EXPLAIN (ANALYZE [boolean], ...)` asks for ANALYZE; other options only change
/// how PostgreSQL prints the plan and are accepted.
pub fn analyze_option(options: Option<&[UtilityOption]>) -> SqlResult<bool> {
    let mut analyze = false;
    for option in options.unwrap_or_default() {
        if !option.name.value.eq_ignore_ascii_case("analyze") {
            continue;
        }
        analyze = match &option.arg {
            None => true,
            Some(arg) => {
                let text = match arg {
                    AstExpr::Value(v) => match &v.value {
                        ast::Value::Boolean(b) => b.to_string(),
                        ast::Value::Number(n, _) => n.clone(),
                        ast::Value::SingleQuotedString(s) => s.clone(),
                        other => other.to_string(),
                    },
                    AstExpr::Identifier(i) => i.value.clone(),
                    other => other.to_string(),
                };
                embeddb_types::text::parse_bool(&text).map_err(|_| {
                    SqlError::new(SqlState::SYNTAX_ERROR, "analyze requires a Boolean value")
                })?
            }
        };
    }
    Ok(analyze)
}

pub fn explain(
    _session: &mut Session,
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    statement: &Statement,
    analyze: bool,
    ctx: &ExecContext,
) -> SqlResult<Executed> {
    let Some(bound) = BoundStatement::bind(binder, statement, ctx.store.as_ref())? else {
        return Err(SqlError::not_supported(
            "EXPLAIN of this statement is not supported yet",
        ));
    };
    let (counts, returned, elapsed) = if analyze {
        let started = Instant::now();
        let (counts, returned) = run_instrumented(txn, &bound, ctx)?;
        (Some(counts), Some(returned), Some(started.elapsed()))
    } else {
        (None, None, None)
    };
    let counts = counts.as_deref();
    let mut lines = match &bound {
        BoundStatement::Query(plan) => render(plan, counts),
        BoundStatement::Insert(plan) => render_dml(
            format!("Insert on {}", plan.table.name),
            conflict_details(plan),
            &plan.source,
            counts,
            returned,
        ),
        BoundStatement::Update(plan) => render_dml(
            format!("Update on {}", plan.table.name),
            Vec::new(),
            &LogicalPlan::Scan(plan.scan.clone()),
            counts,
            returned,
        ),
        BoundStatement::Delete(plan) => render_dml(
            format!("Delete on {}", plan.table.name),
            Vec::new(),
            &LogicalPlan::Scan(plan.scan.clone()),
            counts,
            returned,
        ),
    };
    if let Some(elapsed) = elapsed {
        lines.push(format!(
            "Execution Time: {:.3} ms",
            elapsed.as_secs_f64() * 1000.0
        ));
    }
    let mut text = String::new();
    for l in lines.drain(..) {
        let _ = writeln!(text, "{l}");
    }
    let rows = text
        .lines()
        .map(|l| vec![Value::Text(l.to_string())])
        .collect();
    Ok(Executed::Result(QueryResult::rows(
        vec![Field::new("QUERY PLAN", DataType::Text)],
        rows,
        Tag::Fixed("EXPLAIN"),
    )))
}
