//! System views (pg_catalog, information_schema, EmbedDB's own statistics) as relations the
//! binder can scan like tables. Each view computes its rows from the catalog and the engine
//! when the statement starts.

use embeddb_types::SqlResult;

use crate::binder::Binder;
use crate::plan::{Field, LogicalPlan};

/// The plan and columns of the system view a (possibly schema-qualified) name refers to, or
/// None when no such view exists and the name is a user table.
pub fn bind_system_view(
    _binder: &mut Binder<'_>,
    parts: &[String],
) -> SqlResult<Option<(LogicalPlan, Vec<Field>)>> {
    // No views are defined yet: every name resolves to a user table.
    let _ = parts;
    Ok(None)
}

/// Registers the functions catalog queries use (format_type, pg_get_userbyid, ...).
pub fn register_functions(_registry: &mut crate::functions::registry::Registry) {}
