//! The results table: each workload's figure for both systems and their ratio, oriented so
//! that a ratio above 1 always means EmbedDB did better (EmbedDB ÷ PostgreSQL for
//! throughputs, PostgreSQL ÷ EmbedDB for times), against the goal where it sets one.

/// Whether a larger or a smaller figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Throughput (rows/s, queries/s).
    Higher,
    /// Latency or elapsed time.
    Lower,
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Entry {
    pub workload: String,
    /// Printed after each figure, e.g. `rows/s` or `ms`.
    pub unit: &'static str,
    pub better: Better,
    /// The figure, or the error that prevented it (exact SQL and message).
    pub embeddb: Result<f64, String>,
    pub postgres: Result<f64, String>,
    /// The minimum ratio the issue asks for.
    pub goal: Option<f64>,
}

impl Entry {
    /// The ratio, > 1 when EmbedDB did better; `None` if either side failed or is zero.
    pub fn ratio(&self) -> Option<f64> {
        let (e, p) = (*self.embeddb.as_ref().ok()?, *self.postgres.as_ref().ok()?);
        let ratio = match self.better {
            Better::Higher => e / p,
            Better::Lower => p / e,
        };
        ratio.is_finite().then_some(ratio)
    }

    fn goal_cell(&self) -> String {
        match (self.goal, self.ratio()) {
            (None, _) => String::new(),
            (Some(goal), Some(r)) if r >= goal => format!("≥ {goal}×: met"),
            (Some(goal), Some(r)) => {
                format!("≥ {goal}×: MISSED ({:.0}% short)", (1.0 - r / goal) * 100.0)
            }
            (Some(goal), None) => format!("≥ {goal}×: not measured"),
        }
    }
}

/// A figure with thousands separators for rates and sensible precision for times.
pub fn format_value(value: f64, unit: &str) -> String {
    let number = if value >= 1000.0 {
        group_thousands(value.round() as u64)
    } else if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    };
    format!("{number} {unit}")
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The table as Markdown (readable in a terminal and pasteable into `docs/benchmarks.md`),
/// followed by the full text of any errors.
pub fn render(entries: &[Entry]) -> String {
    let header = [
        "Workload",
        "EmbedDB",
        "PostgreSQL 15",
        "Ratio (>1: EmbedDB better)",
        "Goal",
    ];
    let mut errors = Vec::new();
    let mut rows: Vec<[String; 5]> = Vec::new();
    for entry in entries {
        let mut cell = |side: &Result<f64, String>, system: &str| match side {
            Ok(v) => format_value(*v, entry.unit),
            Err(e) => {
                errors.push(format!("{} on {system}: {e}", entry.workload));
                format!("error [{}]", errors.len())
            }
        };
        let embeddb = cell(&entry.embeddb, "EmbedDB");
        let postgres = cell(&entry.postgres, "PostgreSQL");
        let ratio = entry
            .ratio()
            .map(|r| format!("{r:.2}×"))
            .unwrap_or_else(|| "n/a".to_string());
        rows.push([
            entry.workload.clone(),
            embeddb,
            postgres,
            ratio,
            entry.goal_cell(),
        ]);
    }
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| {
                // Figures and ratios right-aligned so their magnitudes line up.
                if (1..=3).contains(&i) {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let mut out = line(&header.map(String::from));
    let rule: Vec<String> = widths
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if (1..=3).contains(&i) {
                format!("{}:", "-".repeat(w - 1))
            } else {
                "-".repeat(*w)
            }
        })
        .collect();
    out.push_str(&format!("|-{}-|\n", rule.join("-|-")));
    for row in &rows {
        out.push_str(&line(row));
    }
    for (i, e) in errors.iter().enumerate() {
        out.push_str(&format!("\n[{}] {e}", i + 1));
    }
    if !errors.is_empty() {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(better: Better, e: Result<f64, String>, p: Result<f64, String>) -> Entry {
        Entry {
            workload: "w".into(),
            unit: "x",
            better,
            embeddb: e,
            postgres: p,
            goal: Some(1.5),
        }
    }

    #[test]
    fn ratio_is_oriented_so_above_one_favours_embeddb() {
        assert_eq!(
            entry(Better::Higher, Ok(300.0), Ok(100.0)).ratio(),
            Some(3.0)
        );
        assert_eq!(entry(Better::Lower, Ok(50.0), Ok(100.0)).ratio(), Some(2.0));
        assert_eq!(entry(Better::Lower, Err("e".into()), Ok(1.0)).ratio(), None);
        assert_eq!(entry(Better::Higher, Ok(1.0), Ok(0.0)).ratio(), None);
        assert_eq!(
            entry(Better::Higher, Ok(3.0), Ok(2.0)).goal_cell(),
            "≥ 1.5×: met"
        );
        assert_eq!(
            entry(Better::Higher, Ok(0.75), Ok(1.0)).goal_cell(),
            "≥ 1.5×: MISSED (50% short)"
        );
    }

    #[test]
    fn formatting() {
        assert_eq!(format_value(1_234_567.4, "rows/s"), "1,234,567 rows/s");
        assert_eq!(format_value(123.4, "ms"), "123 ms");
        assert_eq!(format_value(12.34, "ms"), "12.3 ms");
        assert_eq!(format_value(1.234, "ms"), "1.23 ms");
        let table = render(&[entry(Better::Higher, Err("boom".into()), Ok(2.0))]);
        assert!(table.contains("error [1]") && table.contains("[1] w on EmbedDB: boom"));
        assert!(table.contains("n/a"));
    }
}
