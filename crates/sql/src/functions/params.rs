//! Parameter names and defaults of the built-in functions PostgreSQL declares with them
//! (`pg_proc.proargnames` / `proargdefaults`), so that calls in named notation
//! (`make_interval(days => 3)`, `jsonb_set(..., create_if_missing => false)`) can be put in
//! positional order. Functions absent here have unnamed parameters: a named argument to them
//! finds no function, as in PostgreSQL.

/// One declared parameter.
pub struct Param {
    pub name: &'static str,
    /// The default as literal text, read as an untyped literal in the parameter's place (every
    /// default PostgreSQL declares for these functions is a constant).
    pub default: Option<&'static str>,
}

const fn p(name: &'static str) -> Param {
    Param {
        name,
        default: None,
    }
}

const fn d(name: &'static str, default: &'static str) -> Param {
    Param {
        name,
        default: Some(default),
    }
}

const MAKE_DATE: &[Param] = &[p("year"), p("month"), p("day")];
const MAKE_TIME: &[Param] = &[p("hour"), p("min"), p("sec")];
const MAKE_TIMESTAMP: &[Param] = &[
    p("year"),
    p("month"),
    p("mday"),
    p("hour"),
    p("min"),
    p("sec"),
    p("timezone"),
];
const MAKE_INTERVAL: &[Param] = &[
    d("years", "0"),
    d("months", "0"),
    d("weeks", "0"),
    d("days", "0"),
    d("hours", "0"),
    d("mins", "0"),
    d("secs", "0.0"),
];
const JSON_FIELD: &[Param] = &[p("from_json"), p("field_name")];
const JSON_ELEMENT: &[Param] = &[p("from_json"), p("element_index")];
const JSONB_SET: &[Param] = &[
    p("jsonb_in"),
    p("path"),
    p("replacement"),
    d("create_if_missing", "true"),
    d("null_value_treatment", "use_json_null"),
];
const JSONB_INSERT: &[Param] = &[
    p("jsonb_in"),
    p("path"),
    p("replacement"),
    d("insert_after", "false"),
];
const JSONB_PATH: &[Param] = &[
    p("target"),
    p("path"),
    d("vars", "{}"),
    d("silent", "false"),
];
const PARSE_IDENT: &[Param] = &[p("str"), d("strict", "true")];

/// The declared parameters of a built-in function, if it names them. Overloads of one name
/// share a prefix of names (`make_timestamptz` with and without `timezone`), so one list
/// serves them all; the arity of the arranged call picks the overload.
pub fn parameters(function: &str) -> Option<&'static [Param]> {
    Some(match function {
        "make_date" => MAKE_DATE,
        "make_time" => MAKE_TIME,
        // Only make_timestamptz declares `timezone`.
        "make_timestamp" => &MAKE_TIMESTAMP[..6],
        "make_timestamptz" => MAKE_TIMESTAMP,
        "make_interval" => MAKE_INTERVAL,
        "json_object_field"
        | "json_object_field_text"
        | "jsonb_object_field"
        | "jsonb_object_field_text" => JSON_FIELD,
        "json_array_element"
        | "json_array_element_text"
        | "jsonb_array_element"
        | "jsonb_array_element_text" => JSON_ELEMENT,
        "jsonb_set" => &JSONB_SET[..4],
        "jsonb_set_lax" => JSONB_SET,
        "jsonb_insert" => JSONB_INSERT,
        "jsonb_path_exists"
        | "jsonb_path_match"
        | "jsonb_path_query_array"
        | "jsonb_path_query_first"
        | "jsonb_path_exists_tz"
        | "jsonb_path_match_tz"
        | "jsonb_path_query_array_tz"
        | "jsonb_path_query_first_tz" => JSONB_PATH,
        "parse_ident" => PARSE_IDENT,
        _ => return None,
    })
}
