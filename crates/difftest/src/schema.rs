//! A small random schema with random data: a few tables whose columns come from a shared pool
//! of names (so USING joins and cross-table comparisons are possible), small value domains (so
//! joins and IN find matches), and NULLs everywhere except primary keys.

use crate::rng::Rng;

/// The generator's types. `Num` is numeric with exactly two decimals (every value of the same
/// number prints the same way, so DISTINCT, GROUP BY, min/max and sorting are deterministic);
/// `NumVar` is numeric of any scale (division, avg), which is only used where that does not
/// matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    Int,
    Big,
    Num,
    NumVar,
    Text,
    Bool,
    Float,
}

impl Ty {
    /// The SQL spelling of the type, for casts and DDL.
    pub fn sql(self) -> &'static str {
        match self {
            Ty::Int => "integer",
            Ty::Big => "bigint",
            Ty::Num => "numeric(10,2)",
            Ty::NumVar => "numeric",
            Ty::Text => "text",
            Ty::Bool => "boolean",
            Ty::Float => "double precision",
        }
    }

    /// Whether a value of `self` may stand where `want` is asked for.
    pub fn fits(self, want: Ty) -> bool {
        self == want || (want == Ty::NumVar && self == Ty::Num)
    }

    /// Whether values of the two types can be compared with `=`, `<`, ... in PostgreSQL
    /// without a cast.
    pub fn comparable(self, other: Ty) -> bool {
        use Ty::*;
        let numeric = |t: Ty| matches!(t, Int | Big | Num | NumVar | Float);
        self == other || (numeric(self) && numeric(other))
    }
}

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub ty: Ty,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    /// Whether the first column, `id integer`, is the primary key (so `WHERE id = x` finds at
    /// most one row and may feed a scalar subquery).
    pub has_pk: bool,
    pub rows: Vec<Vec<String>>,
    pub indexes: Vec<Vec<String>>,
}

#[derive(Clone, Debug)]
pub struct Schema {
    pub tables: Vec<Table>,
}

/// The pool of non-key columns: shared names across tables, one type per name.
const COLUMN_POOL: &[(&str, Ty)] = &[
    ("i1", Ty::Int),
    ("i2", Ty::Int),
    ("b1", Ty::Big),
    ("n1", Ty::Num),
    ("s1", Ty::Text),
    ("s2", Ty::Text),
    ("f1", Ty::Float),
    ("o1", Ty::Bool),
];

/// Text values: ASCII order quirks (case, prefix, empty string), a multi-byte character, and
/// LIKE's metacharacters. No spaces (the .slt format splits on them).
pub const TEXTS: &[&str] = &[
    "a", "b", "ab", "abc", "B", "Ab", "", "z", "x_y", "%", "é", "10", "9",
];

/// Float values whose sums are exact in any order (small dyadic fractions), none negative
/// zero.
pub const FLOATS: &[&str] = &["0", "0.5", "1.25", "-2", "3.75", "100", "-0.25", "1e10"];

/// A literal of `ty`, in SQL, from the same small domain as the data.
pub fn literal(rng: &mut Rng, ty: Ty) -> String {
    match ty {
        Ty::Int => rng.range(-3, 12).to_string(),
        Ty::Big => {
            if rng.chance(0.2) {
                // Beyond int4, so int8 arithmetic and comparisons really use 64 bits.
                format!("{}", 3_000_000_000i64 + rng.range(0, 3))
            } else {
                // Typed, so that functions and aggregates resolve as for bigint.
                format!("CAST({} AS bigint)", rng.range(-3, 12))
            }
        }
        Ty::Num | Ty::NumVar => {
            let cents = rng.range(-400, 1200);
            // Mostly whole or half numbers, so they meet integers and each other.
            let cents = if rng.chance(0.6) {
                cents / 50 * 50
            } else {
                cents
            };
            let sign = if cents < 0 { "-" } else { "" };
            format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
        }
        Ty::Text => format!("'{}'", rng.pick(TEXTS)),
        Ty::Bool => if rng.chance(0.5) { "true" } else { "false" }.to_string(),
        Ty::Float => {
            let f = rng.pick(FLOATS);
            format!("{f}::float8")
        }
    }
}

/// A stored value of `ty` (NULL with probability `null_p`), as SQL.
fn value(rng: &mut Rng, ty: Ty, null_p: f64) -> String {
    if rng.chance(null_p) {
        return "NULL".to_string();
    }
    match ty {
        Ty::Float => rng.pick(FLOATS).to_string(),
        _ => literal(rng, ty),
    }
}

impl Schema {
    pub fn random(rng: &mut Rng) -> Schema {
        let count = rng.range(2, 4) as usize;
        let mut tables = Vec::new();
        for t in 0..count {
            let mut columns = vec![Column {
                name: "id".to_string(),
                ty: Ty::Int,
            }];
            // Every table gets an int and a text column (so joins and LIKE always have
            // material), then a random selection of the rest.
            let mut pool: Vec<(&str, Ty)> = COLUMN_POOL.to_vec();
            let mut chosen = vec![pool.remove(0)];
            let text = pool.iter().position(|c| c.1 == Ty::Text).unwrap_or(0);
            chosen.push(pool.remove(text));
            for c in pool {
                if rng.chance(0.45) {
                    chosen.push(c);
                }
            }
            // Columns in a random order, so positions do not imply types.
            while !chosen.is_empty() {
                let (name, ty) = chosen.remove(rng.index(chosen.len()));
                columns.push(Column {
                    name: name.to_string(),
                    ty,
                });
            }
            let has_pk = rng.chance(0.75);
            let row_count = match rng.range(0, 9) {
                0 => 0,
                1 => 1,
                _ => rng.range(2, 24) as usize,
            };
            let null_p = *rng.pick(&[0.0, 0.1, 0.2, 0.4]);
            let mut ids: Vec<i64> = (1..=30).collect();
            let mut rows = Vec::new();
            for _ in 0..row_count {
                let id = if has_pk {
                    ids.remove(rng.index(ids.len())).to_string()
                } else if rng.chance(0.1) {
                    "NULL".to_string()
                } else {
                    rng.range(1, 12).to_string()
                };
                let mut row = vec![id];
                for c in &columns[1..] {
                    row.push(value(rng, c.ty, null_p));
                }
                rows.push(row);
            }
            let mut indexes = Vec::new();
            for _ in 0..rng.range(0, 2) {
                let mut cols = vec![rng.pick(&columns[1..]).name.clone()];
                if rng.chance(0.3) {
                    let second = rng.pick(&columns).name.clone();
                    if !cols.contains(&second) {
                        cols.push(second);
                    }
                }
                indexes.push(cols);
            }
            tables.push(Table {
                name: format!("t{t}"),
                columns,
                has_pk,
                rows,
                indexes,
            });
        }
        Schema { tables }
    }

    /// Statements that create and fill the schema (the same text for both engines).
    pub fn setup_sql(&self) -> Vec<String> {
        let mut out = Vec::new();
        for t in &self.tables {
            out.push(format!("DROP TABLE IF EXISTS {}", t.name));
            let cols: Vec<String> = t
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let pk = if i == 0 && t.has_pk {
                        " PRIMARY KEY"
                    } else {
                        ""
                    };
                    format!("{} {}{pk}", c.name, c.ty.sql())
                })
                .collect();
            out.push(format!("CREATE TABLE {} ({})", t.name, cols.join(", ")));
            for (i, cols) in t.indexes.iter().enumerate() {
                out.push(format!(
                    "CREATE INDEX {}_ix{i} ON {} ({})",
                    t.name,
                    t.name,
                    cols.join(", ")
                ));
            }
            if !t.rows.is_empty() {
                let rows: Vec<String> = t
                    .rows
                    .iter()
                    .map(|r| format!("({})", r.join(", ")))
                    .collect();
                out.push(format!("INSERT INTO {} VALUES {}", t.name, rows.join(", ")));
            }
        }
        out
    }
}
