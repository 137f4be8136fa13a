//! The system catalogs (pg_catalog, information_schema), the catalog functions and the
//! object-identifier types, over a schema of a few tables. Every expectation below is what
//! PostgreSQL 15 returns for the same statement on the same schema (`psql -At`: columns
//! joined by `|`, NULL printed as `NULL`), except where a comment says why EmbedDB differs;
//! an expectation starting with `!` is an error with that SQLSTATE and message.

mod common;

use common::{TestDb, run};

const SCHEMA: &str = "
    CREATE TABLE people (id serial PRIMARY KEY, name varchar(40) NOT NULL,
        age int CHECK (age >= 0), score numeric(10,2) DEFAULT 0, email text UNIQUE,
        created timestamptz DEFAULT now());
    CREATE INDEX people_name_idx ON people (name, age DESC);
    CREATE TABLE items (sku text, qty int2, price float8, tags text[], PRIMARY KEY (sku, qty));
    CREATE TABLE notes (body text);
";

/// Runs each statement after creating the schema and compares its text result (or error)
/// with the expectation; reports every mismatch at once.
fn check(cases: &[(&str, &str)]) {
    let t = TestDb::new();
    let mut s = t.session();
    if let Err(e) = run(&mut s, SCHEMA) {
        panic!("schema: {e}");
    }
    let mut failures = Vec::new();
    for (sql, want) in cases {
        let got = match run(&mut s, sql) {
            Ok(o) => o
                .rows
                .iter()
                .map(|r| r.join("|"))
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("!{} {}", e.code.code(), e.message),
        };
        if got != *want {
            failures.push(format!("{sql}\n   want: {want:?}\n    got: {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} statements differ from PostgreSQL:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn relations_attributes_indexes_constraints() {
    check(&[
        (
            // The hidden row-id sequence of `notes` (no primary key) is not listed.
            "SELECT relname, relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' ORDER BY relname",
            "items|r\nitems_pkey|i\nnotes|r\npeople|r\npeople_email_key|i\npeople_id_seq|S\npeople_name_idx|i\npeople_pkey|i",
        ),
        (
            "SELECT attname, format_type(atttypid, atttypmod), attnum, attnotnull, atthasdef, attlen, atttypmod \
             FROM pg_attribute WHERE attrelid = 'people'::regclass AND attnum > 0 ORDER BY attnum",
            "id|integer|1|t|t|4|-1\nname|character varying(40)|2|t|f|-1|44\nage|integer|3|f|f|4|-1\n\
             score|numeric(10,2)|4|f|t|-1|655366\nemail|text|5|f|f|-1|-1\ncreated|timestamp with time zone|6|f|t|8|-1",
        ),
        (
            "SELECT c2.relname, indisunique, indisprimary, indkey::text, indoption::text, indnatts \
             FROM pg_index i JOIN pg_class c2 ON c2.oid = i.indexrelid \
             WHERE indrelid = 'people'::regclass ORDER BY 1",
            "people_email_key|t|f|5|0|1\npeople_name_idx|f|f|2 3|0 3|2\npeople_pkey|t|t|1|0|1",
        ),
        (
            "SELECT conname, contype, pg_get_constraintdef(oid, true), pg_get_constraintdef(oid), conkey \
             FROM pg_constraint WHERE conrelid = 'people'::regclass ORDER BY 1",
            "people_age_check|c|CHECK (age >= 0)|CHECK ((age >= 0))|{3}\n\
             people_email_key|u|UNIQUE (email)|UNIQUE (email)|{5}\n\
             people_pkey|p|PRIMARY KEY (id)|PRIMARY KEY (id)|{1}",
        ),
        (
            "SELECT adnum, pg_get_expr(adbin, adrelid) FROM pg_attrdef \
             WHERE adrelid = 'people'::regclass ORDER BY adnum",
            "1|nextval('people_id_seq'::regclass)\n4|0\n6|now()",
        ),
        (
            "SELECT pg_get_indexdef(indexrelid), pg_get_indexdef(indexrelid, 1, false) FROM pg_index \
             WHERE indrelid = 'people'::regclass ORDER BY 1",
            "CREATE INDEX people_name_idx ON public.people USING btree (name, age DESC)|name\n\
             CREATE UNIQUE INDEX people_email_key ON public.people USING btree (email)|email\n\
             CREATE UNIQUE INDEX people_pkey ON public.people USING btree (id)|id",
        ),
        (
            "SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes \
             WHERE schemaname = 'public' AND tablename = 'items'",
            "public|items|items_pkey|CREATE UNIQUE INDEX items_pkey ON public.items USING btree (sku, qty)",
        ),
        (
            "SELECT pg_get_serial_sequence('people', 'id'), pg_get_serial_sequence('people', 'age')",
            "public.people_id_seq|NULL",
        ),
        (
            "SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' ORDER BY 1",
            "information_schema\npublic",
        ),
    ]);
}

#[test]
fn types_and_reg_casts() {
    check(&[
        (
            "SELECT format_type(1043, 44), format_type(1700, 655366), format_type(1007, -1), \
             format_type(25, NULL), format_type(16, -1), format_type(18, -1), format_type(2205, -1), \
             format_type(1184, -1)",
            "character varying(40)|numeric(10,2)|integer[]|text|boolean|\"char\"|regclass|timestamp with time zone",
        ),
        (
            "SELECT to_regtype('integer'), to_regtype('nosuch'), 'int4'::regtype::oid, 23::regtype::text, \
             to_regclass('people') IS NOT NULL, 'pg_class'::regclass::oid, 'people'::regclass, \
             to_regclass('nosuch'), 'pg_catalog'::regnamespace::oid, 11::regnamespace",
            "integer|NULL|23|integer|t|1259|people|NULL|11|pg_catalog",
        ),
        (
            "SELECT 'people'::regclass::oid = (SELECT oid FROM pg_class WHERE relname = 'people'), \
             '\"char\"'::regtype, 'int4[]'::regtype, '_int4'::regtype::text",
            "t|\"char\"|integer[]|integer[]",
        ),
        (
            "SELECT 'nosuch'::regclass",
            "!42P01 relation \"nosuch\" does not exist",
        ),
        (
            "SELECT 'nosuch'::regtype",
            "!42704 type \"nosuch\" does not exist",
        ),
        (
            // psycopg 3's TypeInfo.fetch (and pgvector-python's register_vector).
            "SELECT typname AS name, oid, typarray AS array_oid, oid::regtype::text AS regtype, \
             typdelim AS delimiter FROM pg_type t WHERE t.oid = to_regtype('text') ORDER BY t.oid",
            "text|25|1009|text|,",
        ),
        (
            // tokio-postgres's lookup of a type it does not know.
            "SELECT t.typname, t.typtype, t.typelem, r.rngsubtype, t.typbasetype, n.nspname, t.typrelid \
             FROM pg_catalog.pg_type t LEFT OUTER JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid \
             INNER JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = 23",
            "int4|b|0|NULL|0|pg_catalog|0",
        ),
        (
            "SELECT typname, typlen, typbyval, typtype, typcategory, typelem, typarray, typinput, typoutput \
             FROM pg_type WHERE typname IN ('int4', '_int4', 'varchar', 'bool', 'regclass', 'char', 'int2vector') \
             ORDER BY oid",
            "bool|1|t|b|B|0|1000|boolin|boolout\nchar|1|t|b|Z|0|1002|charin|charout\n\
             int2vector|-1|f|b|A|21|1006|int2vectorin|int2vectorout\nint4|4|t|b|N|0|1007|int4in|int4out\n\
             _int4|-1|f|b|A|23|0|array_in|array_out\nvarchar|-1|f|b|S|0|1015|varcharin|varcharout\n\
             regclass|4|t|b|N|0|2210|regclassin|regclassout",
        ),
        (
            "SELECT 'x' ~ 'x', 'abc' OPERATOR(pg_catalog.~) '^a', 'ABC' ~* 'b', 'abc' !~ 'z'",
            "t|t|t|t",
        ),
        (
            "SELECT pg_size_pretty(0::bigint), pg_size_pretty(10240::bigint), \
             pg_size_pretty(123456789::bigint), pg_size_pretty(10239::bigint)",
            "0 bytes|10 kB|118 MB|10239 bytes",
        ),
    ]);
}

#[test]
fn information_schema_views() {
    check(&[
        (
            "SELECT column_name, data_type, is_nullable, character_maximum_length, numeric_precision, \
             numeric_scale, column_default, udt_name, ordinal_position FROM information_schema.columns \
             WHERE table_name = 'people' ORDER BY ordinal_position",
            "id|integer|NO|NULL|32|0|nextval('people_id_seq'::regclass)|int4|1\n\
             name|character varying|NO|40|NULL|NULL|NULL|varchar|2\n\
             age|integer|YES|NULL|32|0|NULL|int4|3\n\
             score|numeric|YES|NULL|10|2|0|numeric|4\n\
             email|text|YES|NULL|NULL|NULL|NULL|text|5\n\
             created|timestamp with time zone|YES|NULL|NULL|NULL|now()|timestamptz|6",
        ),
        (
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
            "items|BASE TABLE\nnotes|BASE TABLE\npeople|BASE TABLE",
        ),
        (
            "SELECT constraint_type, count(*) FROM information_schema.table_constraints \
             WHERE table_name = 'people' GROUP BY 1 ORDER BY 1",
            "CHECK|3\nPRIMARY KEY|1\nUNIQUE|1",
        ),
        (
            "SELECT constraint_name, column_name, ordinal_position FROM information_schema.key_column_usage \
             WHERE table_name = 'items' ORDER BY 1, 3",
            "items_pkey|sku|1\nitems_pkey|qty|2",
        ),
        (
            "SELECT check_clause FROM information_schema.check_constraints \
             WHERE constraint_name = 'people_age_check'",
            "((age >= 0))",
        ),
    ]);
}

#[test]
fn session_relations() {
    check(&[
        (
            "SELECT datname, pg_encoding_to_char(encoding) FROM pg_database",
            "embeddb|UTF8",
        ),
        (
            "SELECT rolname, rolsuper FROM pg_roles WHERE rolname !~ '^pg_'",
            "tester|t",
        ),
        (
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'people'",
            "tester",
        ),
        (
            "SELECT setting FROM pg_settings WHERE name = 'DateStyle'",
            "ISO, MDY",
        ),
        (
            "SELECT count(*) FROM pg_stat_activity WHERE pid = pg_backend_pid()",
            "1",
        ),
        (
            "SELECT count(*) FROM pg_inherits, pg_trigger, pg_policy, pg_description",
            "0",
        ),
    ]);
}
