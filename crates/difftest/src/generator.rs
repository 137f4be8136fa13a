//! The random query generator.
//!
//! Queries are built as SQL text with their output types tracked, so that set operations,
//! IN-subqueries and derived tables get compatible columns. Every construct is chosen so that
//! PostgreSQL's answer is deterministic:
//! - LIMIT/OFFSET only under an ORDER BY of every output column (a total order of the rows);
//! - string_agg/array_agg always ordered by their argument;
//! - float sums only over stored values, which are small dyadic fractions (exact in any order);
//! - numeric values that feed DISTINCT, grouping, min/max, set operations or sorting always
//!   have scale 2 (`Ty::Num`), because equal numerics of different scales print differently
//!   and PostgreSQL keeps whichever it met first;
//! - no division or modulo by anything but non-zero literals, no casts that can overflow;
//! - scalar subqueries are aggregates, primary-key lookups, or `ORDER BY x LIMIT 1` of x.

use crate::outcome::Order;
use crate::rng::Rng;
use crate::schema::{Schema, Ty, literal};

/// A generated query and how its result is to be compared.
#[derive(Clone, Debug)]
pub struct Query {
    pub sql: String,
    pub order: Order,
}

/// A column reference usable in an expression.
#[derive(Clone, Debug)]
struct Col {
    /// The SQL to reference it (`a3.i1`, or a grouping expression).
    expr: String,
    /// The bare column name, for USING joins (empty for expressions and derived columns).
    name: String,
    ty: Ty,
    /// Whether this comes from a base table (USING is only generated between those).
    base: bool,
    /// A grouping expression rather than a column: PostgreSQL matches those to GROUP BY only
    /// at their own level, so subqueries must not reference them.
    expression: bool,
}

/// What an expression may refer to.
#[derive(Clone, Copy)]
struct Ctx<'s> {
    /// The columns of the FROM clause at this level.
    cols: &'s [Col],
    /// Columns of enclosing queries (correlation).
    outer: &'s [Col],
    /// In an aggregated query: the grouping keys; row-level columns then only appear inside
    /// aggregates.
    group: Option<&'s [Col]>,
    /// Whether subqueries may appear.
    sub_ok: bool,
    /// Whether window functions may appear (select list of a non-aggregated query).
    window_ok: bool,
    /// Remaining nesting budget for expressions.
    depth: u32,
}

impl<'s> Ctx<'s> {
    fn deeper(self) -> Ctx<'s> {
        Ctx {
            depth: self.depth.saturating_sub(1),
            window_ok: false,
            ..self
        }
    }

    /// The columns an expression at this level may reference directly.
    fn atoms(&self) -> Vec<&'s Col> {
        match self.group {
            Some(keys) => keys.iter().chain(self.outer).collect(),
            None => self.cols.iter().chain(self.outer).collect(),
        }
    }

    /// What a subquery nested here may correlate with.
    fn visible(&self) -> Vec<Col> {
        self.atoms()
            .into_iter()
            .filter(|c| !c.expression)
            .cloned()
            .collect()
    }

    /// The context inside an aggregate's argument: local columns only (an aggregate of outer
    /// columns alone would belong to the outer query).
    fn in_aggregate(self) -> Ctx<'s> {
        Ctx {
            outer: &[],
            group: None,
            sub_ok: false,
            window_ok: false,
            depth: self.depth.min(1),
            ..self
        }
    }
}

/// A generated SELECT (possibly a set operation) before it is used somewhere.
struct Select {
    sql: String,
    types: Vec<Ty>,
    order: Order,
}

/// Generates queries over one schema.
pub struct Gen<'a> {
    rng: Rng,
    schema: &'a Schema,
    next_alias: usize,
    /// CTEs of the query being generated: name and column types.
    ctes: Vec<(String, Vec<Ty>)>,
    /// Remaining budget of subqueries for the current query (keeps queries readable and
    /// the cost of correlated subqueries bounded).
    subqueries_left: u32,
}

const CMP_OPS: &[&str] = &["=", "<>", "<", "<=", ">", ">="];

impl<'a> Gen<'a> {
    pub fn new(schema: &'a Schema, seed: u64) -> Gen<'a> {
        Gen {
            rng: Rng::new(seed),
            schema,
            next_alias: 0,
            ctes: Vec::new(),
            subqueries_left: 0,
        }
    }

    /// A fresh top-level query.
    pub fn query(&mut self) -> Query {
        self.next_alias = 0;
        self.ctes.clear();
        self.subqueries_left = self.rng.range(0, 4) as u32;
        let mut with = Vec::new();
        let mut recursive = false;
        if self.rng.chance(0.15) {
            for i in 0..self.rng.range(1, 2) {
                let name = format!("w{i}");
                if self.rng.chance(0.3) {
                    with.push(self.recursive_cte(&name));
                    self.ctes.push((name, vec![Ty::Int, Ty::Int]));
                    recursive = true;
                    continue;
                }
                let body = self.select(&[], None, 1, false);
                with.push(format!("{name} AS ({})", body.sql));
                self.ctes.push((name, body.types));
            }
        }
        let sel = self.select(&[], None, 2, true);
        let sql = if with.is_empty() {
            sel.sql
        } else {
            let keyword = if recursive { "WITH RECURSIVE" } else { "WITH" };
            format!("{keyword} {} {}", with.join(", "), sel.sql)
        };
        Query {
            sql,
            order: sel.order,
        }
    }

    /// A recursive CTE `name(x0, x1)` of integers: either a counter or a walk over a table's
    /// int columns as edges. UNION (not ALL) and finite domains guarantee termination.
    fn recursive_cte(&mut self, name: &str) -> String {
        if self.rng.chance(0.4) {
            let limit = self.rng.range(0, 6);
            let start = self.rng.range(-1, 2);
            return format!(
                "{name}(x0, x1) AS (SELECT {start}, 0 UNION ALL SELECT x0 + 1, x1 + x0 \
                 FROM {name} WHERE x0 < {limit})"
            );
        }
        let base = self.rng.pick(&self.schema.tables).name.clone();
        let step = self.rng.pick(&self.schema.tables).name.clone();
        let from = *self.rng.pick(&["id", "i1"]);
        let to = *self.rng.pick(&["id", "i1"]);
        let start = self.rng.range(0, 12);
        format!(
            "{name}(x0, x1) AS (SELECT b.{from}, b.{to} FROM {base} AS b WHERE b.{from} <= {start} \
             UNION SELECT s.{from}, s.{to} FROM {step} AS s JOIN {name} AS r ON s.{from} = r.x1)"
        )
    }

    fn alias(&mut self, prefix: &str) -> String {
        self.next_alias += 1;
        format!("{prefix}{}", self.next_alias)
    }

    fn take_subquery(&mut self) -> bool {
        if self.subqueries_left > 0 {
            self.subqueries_left -= 1;
            true
        } else {
            false
        }
    }

    fn random_type(&mut self) -> Ty {
        *self.rng.pick(&[
            Ty::Int,
            Ty::Int,
            Ty::Big,
            Ty::Num,
            Ty::NumVar,
            Ty::Text,
            Ty::Text,
            Ty::Bool,
            Ty::Float,
        ])
    }

    /// A SELECT, a set operation of two, with ORDER BY/LIMIT as the position allows.
    /// `top` is the outermost query (whose order is compared).
    fn select(&mut self, outer: &[Col], want: Option<&[Ty]>, depth: u32, top: bool) -> Select {
        let set_op = depth > 0 && self.rng.chance(if top { 0.15 } else { 0.08 });
        let (mut sql, types) = if set_op {
            let op = *self.rng.pick(&[
                "UNION",
                "UNION ALL",
                "INTERSECT",
                "INTERSECT ALL",
                "EXCEPT",
                "EXCEPT ALL",
            ]);
            // Deduplicating operations choose a representative among equal rows: keep
            // variable-scale numerics out of them.
            let dedup = !op.ends_with("ALL");
            let want: Vec<Ty> = match want {
                Some(w) => w.to_vec(),
                None => (0..self.rng.range(1, 3))
                    .map(|_| self.random_type())
                    .collect(),
            };
            let want: Vec<Ty> = want
                .into_iter()
                .map(|t| if dedup && t == Ty::NumVar { Ty::Num } else { t })
                .collect();
            let (left, _) = self.core(outer, Some(&want), depth - 1, false);
            let (right, _) = self.core(outer, Some(&want), depth - 1, false);
            (format!("({left}) {op} ({right})"), want)
        } else {
            self.core(outer, want, depth, top)
        };
        let mut order = Order::Unordered;
        let numvar = types.contains(&Ty::NumVar);
        let ordered = if top { 0.5 } else { 0.15 };
        if !numvar && self.rng.chance(ordered) {
            let keys: Vec<String> = (1..=types.len())
                .map(|i| {
                    let dir = *self.rng.pick(&["", " ASC", " DESC"]);
                    let nulls = *self.rng.pick(&["", "", " NULLS FIRST", " NULLS LAST"]);
                    format!("{i}{dir}{nulls}")
                })
                .collect();
            // Sort keys in a random order: still a total order of the rows.
            let mut keys = keys;
            for i in (1..keys.len()).rev() {
                keys.swap(i, self.rng.index(i + 1));
            }
            sql.push_str(&format!(" ORDER BY {}", keys.join(", ")));
            order = Order::Total;
            if self.rng.chance(if top { 0.5 } else { 0.8 }) {
                sql.push_str(&format!(" LIMIT {}", self.rng.range(0, 6)));
                if self.rng.chance(0.3) {
                    sql.push_str(&format!(" OFFSET {}", self.rng.range(0, 4)));
                }
            } else if self.rng.chance(0.1) {
                sql.push_str(&format!(" OFFSET {}", self.rng.range(1, 4)));
            }
        } else if top && self.rng.chance(0.15) {
            // A partial order: exercises the sort, compared as a multiset.
            sql.push_str(" ORDER BY 1 DESC");
        }
        Select { sql, types, order }
    }

    /// One SELECT ... FROM ... [WHERE] [GROUP BY [HAVING]]; returns its SQL and output types.
    fn core(
        &mut self,
        outer: &[Col],
        want: Option<&[Ty]>,
        depth: u32,
        top: bool,
    ) -> (String, Vec<Ty>) {
        let (from, cols) = self.gen_from(depth);
        let row_ctx = Ctx {
            cols: &cols,
            outer,
            group: None,
            sub_ok: depth > 0,
            window_ok: false,
            depth: 2,
        };
        let mut sql = String::new();
        let where_clause = if self.rng.chance(0.6) {
            Some(self.expr(Ty::Bool, row_ctx))
        } else {
            None
        };

        // Aggregation: none, whole-table aggregates, or GROUP BY.
        let mode = self.rng.range(0, 9);
        let mut keys: Vec<Col> = Vec::new();
        let grouped = mode >= 7;
        let aggregated = mode == 6 || grouped;
        if grouped {
            for _ in 0..self.rng.range(1, 2) {
                let candidates: Vec<&Col> = cols.iter().filter(|c| c.ty != Ty::NumVar).collect();
                if candidates.is_empty() {
                    break;
                }
                if self.rng.chance(0.2) {
                    let base = *self.rng.pick(&candidates);
                    if let Some((expr, ty)) = self.key_expression(base) {
                        keys.push(Col {
                            expr,
                            name: String::new(),
                            ty,
                            base: false,
                            expression: true,
                        });
                        continue;
                    }
                }
                let c = (*self.rng.pick(&candidates)).clone();
                if !keys.iter().any(|k| k.expr == c.expr) {
                    keys.push(c);
                }
            }
        }
        let distinct = self.rng.chance(0.15);
        let types: Vec<Ty> = match want {
            Some(w) => w.to_vec(),
            None => (0..self.rng.range(1, 4))
                .map(|_| self.random_type())
                .collect(),
        };
        let types: Vec<Ty> = types
            .into_iter()
            .map(|t| {
                if distinct && t == Ty::NumVar {
                    Ty::Num
                } else {
                    t
                }
            })
            .collect();
        let item_ctx = Ctx {
            cols: &cols,
            outer,
            group: aggregated.then_some(&keys[..]),
            sub_ok: depth > 0,
            window_ok: !aggregated && top,
            depth: 3,
        };
        let mut items = Vec::new();
        for (i, ty) in types.iter().enumerate() {
            let e = self.expr(*ty, item_ctx);
            // Derived tables and CTEs need names; the top level sometimes keeps PostgreSQL's
            // own column naming, which the comparison checks too.
            if top && self.rng.chance(0.4) {
                items.push(e);
            } else {
                items.push(format!("{e} AS x{i}"));
            }
        }
        sql.push_str("SELECT ");
        if distinct {
            sql.push_str("DISTINCT ");
        }
        sql.push_str(&items.join(", "));
        sql.push_str(" FROM ");
        sql.push_str(&from);
        if let Some(w) = where_clause {
            sql.push_str(" WHERE ");
            sql.push_str(&w);
        }
        if grouped && !keys.is_empty() {
            let exprs: Vec<&str> = keys.iter().map(|k| k.expr.as_str()).collect();
            sql.push_str(" GROUP BY ");
            sql.push_str(&exprs.join(", "));
        }
        if aggregated && self.rng.chance(0.3) {
            let having_ctx = Ctx {
                window_ok: false,
                depth: 2,
                ..item_ctx
            };
            let h = self.expr(Ty::Bool, having_ctx);
            sql.push_str(" HAVING ");
            sql.push_str(&h);
        }
        (sql, types)
    }

    /// An expression over one column to group by (the same text is used in the select list,
    /// which PostgreSQL matches to the grouping expression).
    fn key_expression(&mut self, c: &Col) -> Option<(String, Ty)> {
        let e = &c.expr;
        Some(match c.ty {
            Ty::Int => (format!("({e} % 3)"), Ty::Int),
            Ty::Text => (format!("upper({e})"), Ty::Text),
            Ty::Num => (format!("({e} * 2)"), Ty::Num),
            Ty::Bool => (format!("({e} IS NULL)"), Ty::Bool),
            Ty::Big => (format!("({e} + 1)"), Ty::Big),
            _ => return None,
        })
    }

    /// FROM with one to three items joined; returns the SQL and the visible columns.
    fn gen_from(&mut self, depth: u32) -> (String, Vec<Col>) {
        let count = match self.rng.range(0, 9) {
            0..=3 => 1,
            4..=7 => 2,
            _ => 3,
        };
        let (mut sql, mut cols) = self.table_ref(depth);
        // A comma binds more loosely than JOIN: a join condition after `a, b JOIN c` sees
        // only b and c. `segment` is where the current comma-separated item starts.
        let mut segment = 0;
        for _ in 1..count {
            let (right_sql, right_cols) = self.table_ref(depth);
            let kind = *self.rng.pick(&[
                "JOIN",
                "JOIN",
                "LEFT JOIN",
                "LEFT JOIN",
                "RIGHT JOIN",
                "FULL JOIN",
                "CROSS JOIN",
                ",",
            ]);
            match kind {
                "," => {
                    sql = format!("{sql}, {right_sql}");
                    segment = cols.len();
                }
                "CROSS JOIN" => sql = format!("{sql} CROSS JOIN {right_sql}"),
                _ => {
                    let condition = self.join_condition(kind, &cols[segment..], &right_cols);
                    sql = format!("{sql} {kind} {right_sql} {condition}");
                }
            }
            cols.extend(right_cols);
        }
        (sql, cols)
    }

    /// ON or USING for a join of `left` (everything so far) with `right`.
    fn join_condition(&mut self, kind: &str, left: &[Col], right: &[Col]) -> String {
        // USING on a base column that appears once on each side (otherwise it is ambiguous).
        if self.rng.chance(0.15) {
            let once =
                |cols: &[Col], name: &str| cols.iter().filter(|c| c.name == name).count() == 1;
            let shared: Vec<&Col> = right
                .iter()
                .filter(|r| {
                    r.base
                        && !r.name.is_empty()
                        && once(right, &r.name)
                        && once(left, &r.name)
                        && left
                            .iter()
                            .any(|l| l.name == r.name && l.ty == r.ty && l.base)
                })
                .collect();
            if !shared.is_empty() {
                return format!("USING ({})", self.rng.pick(&shared).name);
            }
        }
        // Equalities between columns of the same family (FULL JOIN needs merge- or
        // hash-joinable conditions, which cross-family comparisons are not).
        let family = |t: Ty| match t {
            Ty::Int | Ty::Big => 0,
            Ty::Num | Ty::NumVar => 1,
            Ty::Text => 2,
            Ty::Bool => 3,
            Ty::Float => 4,
        };
        let mut pairs = Vec::new();
        for l in left {
            for r in right {
                if family(l.ty) == family(r.ty) {
                    pairs.push((l.expr.clone(), r.expr.clone()));
                }
            }
        }
        let mut conjuncts = Vec::new();
        if !pairs.is_empty() && (kind == "FULL JOIN" || self.rng.chance(0.8)) {
            for _ in 0..self.rng.range(1, 2) {
                let (l, r) = self.rng.pick(&pairs).clone();
                conjuncts.push(format!("{l} = {r}"));
            }
        }
        if kind != "FULL JOIN" && (conjuncts.is_empty() || self.rng.chance(0.3)) {
            let both: Vec<Col> = left.iter().chain(right).cloned().collect();
            let ctx = Ctx {
                cols: &both,
                outer: &[],
                group: None,
                sub_ok: false,
                window_ok: false,
                depth: 1,
            };
            conjuncts.push(self.expr(Ty::Bool, ctx));
        }
        if conjuncts.is_empty() {
            // FULL JOIN with nothing comparable: a constant condition is allowed.
            conjuncts.push("true".to_string());
        }
        format!("ON {}", conjuncts.join(" AND "))
    }

    /// A base table, CTE or derived table with a fresh alias.
    fn table_ref(&mut self, depth: u32) -> (String, Vec<Col>) {
        if !self.ctes.is_empty() && self.rng.chance(0.35) {
            let i = self.rng.index(self.ctes.len());
            let (name, types) = self.ctes[i].clone();
            let alias = self.alias("c");
            let cols = types
                .iter()
                .enumerate()
                .map(|(i, ty)| Col {
                    expr: format!("{alias}.x{i}"),
                    name: String::new(),
                    ty: *ty,
                    base: false,
                    expression: false,
                })
                .collect();
            return (format!("{name} AS {alias}"), cols);
        }
        if depth > 0 && self.rng.chance(0.12) && self.take_subquery() {
            let sub = self.select(&[], None, depth - 1, false);
            let alias = self.alias("d");
            let cols = sub
                .types
                .iter()
                .enumerate()
                .map(|(i, ty)| Col {
                    expr: format!("{alias}.x{i}"),
                    name: String::new(),
                    ty: *ty,
                    base: false,
                    expression: false,
                })
                .collect();
            return (format!("({}) AS {alias}", sub.sql), cols);
        }
        if self.rng.chance(0.06) {
            return self.values_table();
        }
        let table = self.rng.pick(&self.schema.tables);
        let alias = self.alias("a");
        let cols = table
            .columns
            .iter()
            .map(|c| Col {
                expr: format!("{alias}.{}", c.name),
                name: c.name.clone(),
                ty: c.ty,
                base: true,
                expression: false,
            })
            .collect();
        (format!("{} AS {alias}", table.name), cols)
    }

    /// `(VALUES ...) AS vN(x0, ...)`: the first row has no NULLs, so every column's type is
    /// the generator's (a column of NULLs only would be text).
    fn values_table(&mut self) -> (String, Vec<Col>) {
        let types: Vec<Ty> = (0..self.rng.range(1, 3))
            .map(|_| self.random_type())
            .map(|t| if t == Ty::NumVar { Ty::Num } else { t })
            .collect();
        let mut rows = Vec::new();
        for r in 0..self.rng.range(1, 4) {
            let row: Vec<String> = types
                .iter()
                .map(|t| {
                    if r > 0 && self.rng.chance(0.25) {
                        "NULL".to_string()
                    } else {
                        literal(&mut self.rng, *t)
                    }
                })
                .collect();
            rows.push(format!("({})", row.join(", ")));
        }
        let alias = self.alias("v");
        let names: Vec<String> = (0..types.len()).map(|i| format!("x{i}")).collect();
        let cols = types
            .iter()
            .enumerate()
            .map(|(i, ty)| Col {
                expr: format!("{alias}.x{i}"),
                name: String::new(),
                ty: *ty,
                base: false,
                expression: false,
            })
            .collect();
        (
            format!(
                "(VALUES {}) AS {alias}({})",
                rows.join(", "),
                names.join(", ")
            ),
            cols,
        )
    }

    /// A column of type `ty` from `atoms`, if any.
    fn column_of(&mut self, ty: Ty, ctx: Ctx) -> Option<String> {
        let fitting: Vec<&Col> = ctx.atoms().into_iter().filter(|c| c.ty.fits(ty)).collect();
        if fitting.is_empty() {
            None
        } else {
            Some(self.rng.pick(&fitting).expr.clone())
        }
    }

    /// A leaf: a column, an aggregate (in aggregated queries), a literal or a typed NULL.
    fn atom(&mut self, ty: Ty, ctx: Ctx) -> String {
        if ctx.group.is_some() && self.rng.chance(0.55) {
            return self.aggregate(ty, ctx);
        }
        if self.rng.chance(0.75)
            && let Some(c) = self.column_of(ty, ctx)
        {
            return c;
        }
        if self.rng.chance(0.1) {
            return format!("NULL::{}", ty.sql());
        }
        literal(&mut self.rng, ty)
    }

    /// An expression of type `ty`.
    fn expr(&mut self, ty: Ty, ctx: Ctx) -> String {
        if ctx.window_ok
            && self.rng.chance(0.15)
            && let Some(w) = self.window(ty, ctx)
        {
            return w;
        }
        if ctx.depth == 0 || self.rng.chance(0.3) {
            return self.atom(ty, ctx);
        }
        if ctx.sub_ok && self.rng.chance(0.08) && self.take_subquery() {
            if ty == Ty::Bool {
                return self.subquery_predicate(ctx);
            }
            return self.scalar_subquery(ty, ctx);
        }
        let d = ctx.deeper();
        // Constructs every type has.
        match self.rng.range(0, 10) {
            9 => {
                // The simple form: CASE operand WHEN value ...
                let op_ty = *self.rng.pick(&[Ty::Int, Ty::Text, Ty::Num]);
                let mut s = format!("CASE {}", self.expr(op_ty, d));
                for _ in 0..self.rng.range(1, 2) {
                    let w = literal(&mut self.rng, op_ty);
                    let v = self.expr(ty, d);
                    s.push_str(&format!(" WHEN {w} THEN {v}"));
                }
                if self.rng.chance(0.5) {
                    let v = self.expr(ty, d);
                    s.push_str(&format!(" ELSE {v}"));
                }
                s.push_str(" END");
                return s;
            }
            0 => {
                let mut s = String::from("CASE");
                for _ in 0..self.rng.range(1, 2) {
                    let c = self.expr(Ty::Bool, d);
                    let v = self.expr(ty, d);
                    s.push_str(&format!(" WHEN {c} THEN {v}"));
                }
                if self.rng.chance(0.7) {
                    let v = self.expr(ty, d);
                    s.push_str(&format!(" ELSE {v}"));
                }
                s.push_str(" END");
                return s;
            }
            1 => {
                let n = self.rng.range(2, 3);
                let args: Vec<String> = (0..n).map(|_| self.expr(ty, d)).collect();
                return format!("COALESCE({})", args.join(", "));
            }
            2 if ty != Ty::Bool => {
                let a = self.expr(ty, d);
                let b = self.expr(ty, d);
                return format!("NULLIF({a}, {b})");
            }
            3 if ty != Ty::Bool => {
                let f = if self.rng.chance(0.5) {
                    "greatest"
                } else {
                    "least"
                };
                let a = self.expr(ty, d);
                let b = self.expr(ty, d);
                return format!("{f}({a}, {b})");
            }
            _ => {}
        }
        match ty {
            Ty::Int => self.int_expr(d),
            Ty::Big => self.big_expr(d),
            Ty::Num => self.num_expr(d),
            Ty::NumVar => self.numvar_expr(d),
            Ty::Text => self.text_expr(d),
            Ty::Bool => self.bool_expr(d),
            Ty::Float => self.float_expr(d),
        }
    }

    fn small_nonzero(&mut self) -> i64 {
        *self.rng.pick(&[-3, -2, -1, 1, 2, 3, 4, 5, 7])
    }

    fn int_expr(&mut self, d: Ctx) -> String {
        match self.rng.range(0, 10) {
            0 => format!("({} + {})", self.expr(Ty::Int, d), self.expr(Ty::Int, d)),
            1 => format!("({} - {})", self.expr(Ty::Int, d), self.expr(Ty::Int, d)),
            2 => format!("({} * {})", self.expr(Ty::Int, d), self.rng.range(-3, 5)),
            3 => format!("({} / {})", self.expr(Ty::Int, d), self.small_nonzero()),
            4 => format!("({} % {})", self.expr(Ty::Int, d), self.small_nonzero()),
            5 => format!("(- {})", self.expr(Ty::Int, d)),
            6 => format!("abs({})", self.expr(Ty::Int, d)),
            7 => format!("length({})", self.expr(Ty::Text, d)),
            8 => format!("CAST({} AS integer)", self.expr(Ty::Num, d)),
            9 => format!("strpos({}, 'b')", self.expr(Ty::Text, d)),
            _ => format!("({})::integer", self.expr(Ty::Bool, d)),
        }
    }

    fn big_expr(&mut self, d: Ctx) -> String {
        match self.rng.range(0, 4) {
            0 => format!("({})::bigint", self.expr(Ty::Int, d)),
            1 => format!("({} + {})", self.expr(Ty::Big, d), self.expr(Ty::Int, d)),
            2 => format!("({} * {})", self.expr(Ty::Big, d), self.rng.range(-2, 3)),
            3 => format!("({} - {})", self.expr(Ty::Big, d), self.expr(Ty::Big, d)),
            _ => format!("abs({})", self.expr(Ty::Big, d)),
        }
    }

    /// Numeric expressions whose result always has scale 2.
    fn num_expr(&mut self, d: Ctx) -> String {
        match self.rng.range(0, 7) {
            0 => format!("({} + {})", self.expr(Ty::Num, d), self.expr(Ty::Num, d)),
            1 => format!("({} - {})", self.expr(Ty::Num, d), self.expr(Ty::Int, d)),
            2 => format!("({} * {})", self.expr(Ty::Num, d), self.rng.range(-3, 4)),
            3 => format!("(- {})", self.expr(Ty::Num, d)),
            4 => format!("abs({})", self.expr(Ty::Num, d)),
            5 => format!("round({}, 2)", self.expr(Ty::NumVar, d)),
            6 => format!("({})::numeric(10,2)", self.expr(Ty::Int, d)),
            _ => format!("trunc({}, 2)", self.expr(Ty::NumVar, d)),
        }
    }

    /// Numeric expressions of any scale.
    fn numvar_expr(&mut self, d: Ctx) -> String {
        match self.rng.range(0, 7) {
            0 => format!("({} / {})", self.expr(Ty::NumVar, d), self.small_nonzero()),
            1 => format!("({} * {})", self.expr(Ty::Num, d), self.expr(Ty::Num, d)),
            2 => format!("round({})", self.expr(Ty::NumVar, d)),
            3 => format!("ceil({})", self.expr(Ty::NumVar, d)),
            4 => format!("floor({})", self.expr(Ty::NumVar, d)),
            5 => format!("({} + {})", self.expr(Ty::NumVar, d), self.expr(Ty::Int, d)),
            6 => format!("round({}, 1)", self.expr(Ty::NumVar, d)),
            _ => self.expr(Ty::Num, d),
        }
    }

    fn text_expr(&mut self, d: Ctx) -> String {
        match self.rng.range(0, 12) {
            0 => format!("upper({})", self.expr(Ty::Text, d)),
            1 => format!("lower({})", self.expr(Ty::Text, d)),
            2 => format!("({} || {})", self.expr(Ty::Text, d), self.expr(Ty::Text, d)),
            3 => format!(
                "substr({}, {}, {})",
                self.expr(Ty::Text, d),
                self.rng.range(0, 3),
                self.rng.range(0, 3)
            ),
            4 => format!("({})::text", self.expr(Ty::Int, d)),
            5 => format!("({})::text", self.expr(Ty::Num, d)),
            6 => format!("replace({}, 'a', 'Q')", self.expr(Ty::Text, d)),
            7 => format!(
                "concat({}, {})",
                self.expr(Ty::Text, d),
                self.expr(Ty::Int, d)
            ),
            8 => format!(
                "left({}, {})",
                self.expr(Ty::Text, d),
                self.rng.range(-1, 2)
            ),
            9 => format!("({})::text", self.expr(Ty::Float, d)),
            10 => format!("lpad({}, 3, '*')", self.expr(Ty::Text, d)),
            11 => format!("({})::text", self.expr(Ty::Bool, d)),
            _ => format!("reverse({})", self.expr(Ty::Text, d)),
        }
    }

    fn float_expr(&mut self, d: Ctx) -> String {
        match self.rng.range(0, 6) {
            0 => format!(
                "({} + {})",
                self.expr(Ty::Float, d),
                self.expr(Ty::Float, d)
            ),
            1 => format!("({} * 2)", self.expr(Ty::Float, d)),
            2 => format!("({} / 4)", self.expr(Ty::Float, d)),
            3 => format!("abs({})", self.expr(Ty::Float, d)),
            4 => format!("({})::float8", self.expr(Ty::Int, d)),
            5 => format!("sqrt(abs({}))", self.expr(Ty::Float, d)),
            _ => format!("floor({})", self.expr(Ty::Float, d)),
        }
    }

    /// Two comparable operand types.
    fn comparable_pair(&mut self) -> (Ty, Ty) {
        let a = self.random_type();
        let b = match a {
            Ty::Int | Ty::Big | Ty::Num | Ty::NumVar => {
                *self.rng.pick(&[a, a, Ty::Int, Ty::Num, Ty::Big])
            }
            other => other,
        };
        (a, b)
    }

    fn bool_expr(&mut self, d: Ctx) -> String {
        match self.rng.range(0, 12) {
            0..=2 => {
                let (a, b) = self.comparable_pair();
                let op = *self.rng.pick(CMP_OPS);
                format!("({} {op} {})", self.expr(a, d), self.expr(b, d))
            }
            3 => {
                let ty = self.random_type();
                let not = if self.rng.chance(0.5) { " NOT" } else { "" };
                format!("({} IS{not} NULL)", self.expr(ty, d))
            }
            4 => format!("(NOT {})", self.expr(Ty::Bool, d)),
            5 => format!(
                "({} AND {})",
                self.expr(Ty::Bool, d),
                self.expr(Ty::Bool, d)
            ),
            6 => format!("({} OR {})", self.expr(Ty::Bool, d), self.expr(Ty::Bool, d)),
            7 => {
                let ty = self.random_type();
                let n = self.rng.range(1, 4);
                let mut list: Vec<String> = (0..n).map(|_| literal(&mut self.rng, ty)).collect();
                if self.rng.chance(0.25) {
                    list.push("NULL".to_string());
                }
                let not = if self.rng.chance(0.3) { " NOT" } else { "" };
                format!("({}{not} IN ({}))", self.expr(ty, d), list.join(", "))
            }
            8 => {
                let ty = *self.rng.pick(&[Ty::Int, Ty::Num, Ty::Text, Ty::Big]);
                let not = if self.rng.chance(0.3) { " NOT" } else { "" };
                format!(
                    "({}{not} BETWEEN {} AND {})",
                    self.expr(ty, d),
                    literal(&mut self.rng, ty),
                    literal(&mut self.rng, ty)
                )
            }
            9 => {
                let pattern = *self
                    .rng
                    .pick(&["a%", "%b", "_", "%", "A_%", "%\\%%", "x\\_y", "é"]);
                let not = if self.rng.chance(0.3) { " NOT" } else { "" };
                format!("({}{not} LIKE '{pattern}')", self.expr(Ty::Text, d))
            }
            10 => {
                let (a, b) = self.comparable_pair();
                let not = if self.rng.chance(0.5) { " NOT" } else { "" };
                format!(
                    "({} IS{not} DISTINCT FROM {})",
                    self.expr(a, d),
                    self.expr(b, d)
                )
            }
            11 => {
                let test = *self
                    .rng
                    .pick(&["TRUE", "NOT TRUE", "FALSE", "NOT FALSE", "UNKNOWN"]);
                format!("({} IS {test})", self.expr(Ty::Bool, d))
            }
            _ => self.atom(Ty::Bool, d),
        }
    }

    /// An aggregate of type `ty` over the row-level columns.
    fn aggregate(&mut self, ty: Ty, ctx: Ctx) -> String {
        let inner = ctx.in_aggregate();
        let text = match ty {
            Ty::Int => {
                let f = if self.rng.chance(0.5) { "min" } else { "max" };
                format!("{f}({})", self.expr(Ty::Int, inner))
            }
            Ty::Big => match self.rng.range(0, 4) {
                0 => "count(*)".to_string(),
                1 => {
                    let t = self.random_type();
                    format!("count({})", self.expr(t, inner))
                }
                2 => {
                    let t = *self.rng.pick(&[Ty::Int, Ty::Text, Ty::Num, Ty::Bool]);
                    format!("count(DISTINCT {})", self.expr(t, inner))
                }
                3 => {
                    let distinct = if self.rng.chance(0.25) {
                        "DISTINCT "
                    } else {
                        ""
                    };
                    format!("sum({distinct}{})", self.expr(Ty::Int, inner))
                }
                _ => {
                    let f = if self.rng.chance(0.5) { "min" } else { "max" };
                    format!("{f}({})", self.expr(Ty::Big, inner))
                }
            },
            Ty::Num => {
                let f = *self.rng.pick(&["sum", "min", "max"]);
                format!("{f}({})", self.expr(Ty::Num, inner))
            }
            Ty::NumVar => match self.rng.range(0, 3) {
                0 => format!("avg({})", self.expr(Ty::Int, inner)),
                1 => format!("avg({})", self.expr(Ty::Num, inner)),
                2 => format!("sum({})", self.expr(Ty::Big, inner)),
                _ => format!("avg(DISTINCT {})", self.expr(Ty::Int, inner)),
            },
            Ty::Text => match self.rng.range(0, 2) {
                0 => {
                    let f = if self.rng.chance(0.5) { "min" } else { "max" };
                    format!("{f}({})", self.expr(Ty::Text, inner))
                }
                1 => {
                    // Cast, so that a literal argument is text (not unknown) in both places:
                    // with DISTINCT, PostgreSQL insists the ORDER BY matches the argument.
                    let e = format!("({})::text", self.expr(Ty::Text, inner));
                    let distinct = if self.rng.chance(0.3) {
                        "DISTINCT "
                    } else {
                        ""
                    };
                    format!("string_agg({distinct}{e}, ',' ORDER BY {e})")
                }
                _ => {
                    let e = self.expr(Ty::Int, inner);
                    format!("array_agg({e} ORDER BY {e})")
                }
            },
            Ty::Bool => {
                let f = *self.rng.pick(&["bool_and", "bool_or", "every"]);
                format!("{f}({})", self.expr(Ty::Bool, inner))
            }
            Ty::Float => {
                // Only stored values: their sums are exact in any order.
                let col = self.column_of(Ty::Float, inner);
                match col {
                    Some(c) => {
                        let f = *self.rng.pick(&["sum", "min", "max", "avg"]);
                        format!("{f}({c})")
                    }
                    None => format!("max({})", literal(&mut self.rng, Ty::Float)),
                }
            }
        };
        let text = if self.rng.chance(0.15) {
            let f = self.expr(Ty::Bool, inner);
            format!("{text} FILTER (WHERE {f})")
        } else {
            text
        };
        if text.starts_with("array_agg") {
            // array_agg stands for text here (arrays are not among the generated types).
            format!("({text})::text")
        } else {
            text
        }
    }

    /// A window function of type `ty`, when one fits.
    fn window(&mut self, ty: Ty, ctx: Ctx) -> Option<String> {
        let cols: Vec<&Col> = ctx.cols.iter().collect();
        if cols.is_empty() {
            return None;
        }
        let mut over = String::new();
        if self.rng.chance(0.7) {
            over.push_str(&format!("PARTITION BY {}", self.rng.pick(&cols).expr));
        }
        let ordered = self.rng.chance(0.6);
        if ordered {
            if !over.is_empty() {
                over.push(' ');
            }
            let dir = *self.rng.pick(&["", " DESC", " NULLS FIRST"]);
            over.push_str(&format!("ORDER BY {}{dir}", self.rng.pick(&cols).expr));
        }
        let plain = Ctx {
            window_ok: false,
            sub_ok: false,
            depth: 1,
            ..ctx
        };
        let f = match ty {
            Ty::Big => match self.rng.range(0, 3) {
                0 if ordered => "rank()".to_string(),
                1 if ordered => "dense_rank()".to_string(),
                2 => format!("sum({})", self.expr(Ty::Int, plain)),
                _ => "count(*)".to_string(),
            },
            Ty::Int | Ty::Text | Ty::Num => {
                let f = if self.rng.chance(0.5) { "min" } else { "max" };
                format!("{f}({})", self.expr(ty, plain))
            }
            Ty::Float => {
                let c = self.column_of(Ty::Float, plain)?;
                format!("sum({c})")
            }
            Ty::NumVar => format!("avg({})", self.expr(Ty::Int, plain)),
            Ty::Bool => return None,
        };
        Some(format!("{f} OVER ({over})"))
    }

    /// A subquery that returns at most one row of one column of type `ty`.
    fn scalar_subquery(&mut self, ty: Ty, ctx: Ctx) -> String {
        let outer = ctx.visible();
        let (from, cols) = self.table_ref(0);
        let inner = Ctx {
            cols: &cols,
            outer: &outer,
            group: None,
            sub_ok: false,
            window_ok: false,
            depth: 1,
        };
        let correlation = self.expr(Ty::Bool, inner);
        let pk_table = cols.first().filter(|c| c.name == "id").and_then(|id| {
            let alias = id.expr.split('.').next().unwrap_or_default().to_string();
            let table = from.split(' ').next().unwrap_or_default();
            self.schema
                .tables
                .iter()
                .any(|t| t.name == table && t.has_pk)
                .then_some((alias, id.expr.clone()))
        });
        match self.rng.range(0, 2) {
            0 if pk_table.is_some() => {
                let (_, id) = pk_table.unwrap_or_default();
                // The key is written inside the subquery: outer columns only (no outer
                // aggregates or grouping expressions, which PostgreSQL resolves specially).
                let key_ctx = Ctx {
                    cols: &outer,
                    outer: &[],
                    group: None,
                    sub_ok: false,
                    window_ok: false,
                    depth: 1,
                };
                let key = self.expr(Ty::Int, key_ctx);
                let value = self.expr(ty, inner);
                format!("(SELECT {value} FROM {from} WHERE {id} = {key})")
            }
            1 if ty != Ty::NumVar => {
                let value = self.expr(ty, inner);
                let dir = *self
                    .rng
                    .pick(&["", " DESC", " NULLS FIRST", " DESC NULLS LAST"]);
                format!("(SELECT {value} FROM {from} WHERE {correlation} ORDER BY 1{dir} LIMIT 1)")
            }
            _ => {
                let agg_ctx = Ctx {
                    group: Some(&[]),
                    ..inner
                };
                let value = self.aggregate(ty, agg_ctx);
                format!("(SELECT {value} FROM {from} WHERE {correlation})")
            }
        }
    }

    /// EXISTS, IN, NOT IN, ANY/ALL or a comparison with a scalar subquery.
    fn subquery_predicate(&mut self, ctx: Ctx) -> String {
        let outer = ctx.visible();
        let d = Ctx {
            sub_ok: false,
            ..ctx.deeper()
        };
        match self.rng.range(0, 5) {
            4 => {
                // A row compared with a two-column subquery.
                let types = [Ty::Int, *self.rng.pick(&[Ty::Int, Ty::Text])];
                let sub = self.select(&outer, Some(&types), 1, false);
                let not = if self.rng.chance(0.4) { " NOT" } else { "" };
                let a = self.expr(types[0], d);
                let b = self.expr(types[1], d);
                format!("(({a}, {b}){not} IN ({}))", sub.sql)
            }
            0 => {
                let sub = self.select(&outer, None, 1, false);
                let not = if self.rng.chance(0.4) { "NOT " } else { "" };
                format!("({not}EXISTS ({}))", sub.sql)
            }
            1 => {
                let ty = *self.rng.pick(&[Ty::Int, Ty::Text, Ty::Num, Ty::Big]);
                let sub = self.select(&outer, Some(&[ty]), 1, false);
                let not = if self.rng.chance(0.4) { " NOT" } else { "" };
                format!("({}{not} IN ({}))", self.expr(ty, d), sub.sql)
            }
            2 => {
                let ty = *self.rng.pick(&[Ty::Int, Ty::Text, Ty::Num]);
                let sub = self.select(&outer, Some(&[ty]), 1, false);
                let op = *self.rng.pick(CMP_OPS);
                let q = *self.rng.pick(&["ANY", "ALL", "SOME"]);
                format!("({} {op} {q} ({}))", self.expr(ty, d), sub.sql)
            }
            _ => {
                let ty = *self.rng.pick(&[Ty::Int, Ty::Text, Ty::Num, Ty::Float]);
                let op = *self.rng.pick(CMP_OPS);
                let left = self.expr(ty, d);
                // The budget was taken by the caller; the scalar subquery is this one.
                let sub = self.scalar_subquery(
                    ty,
                    Ctx {
                        sub_ok: false,
                        ..ctx
                    },
                );
                format!("({left} {op} {sub})")
            }
        }
    }
}
