"""SQLAlchemy's PostgreSQL inspector and psycopg 3's type lookup against EmbedDB.

Usage: inspect.py PORT. Creates a schema, then checks what the inspector reports against
what it reports for the same schema on PostgreSQL 15 (the expectations below). Exits non-zero
with a message on the first difference.
"""
import sys

import psycopg
from psycopg.types import TypeInfo
from sqlalchemy import create_engine, inspect

port = sys.argv[1]
url = f"postgresql+psycopg://someone@127.0.0.1:{port}/somedb"
SCHEMA = open(sys.argv[2]).read()


def expect(what, got, want):
    if got != want:
        print(f"{what}:\n  got:  {got!r}\n  want: {want!r}")
        sys.exit(1)
    print(f"ok {what}")


with psycopg.connect(f"host=127.0.0.1 port={port} user=someone dbname=somedb", autocommit=True) as conn:
    conn.execute(SCHEMA)
    # psycopg 3's TypeInfo.fetch: to_regtype, oid::regtype::text, typarray, typdelim.
    info = TypeInfo.fetch(conn, "text")
    expect("TypeInfo text", (info.name, info.oid, info.array_oid, info.regtype, info.delimiter),
           ("text", 25, 1009, "text", ","))
    info = TypeInfo.fetch(conn, "character varying")
    expect("TypeInfo varchar", (info.name, info.oid, info.array_oid), ("varchar", 1043, 1015))
    expect("TypeInfo missing", TypeInfo.fetch(conn, "nosuch"), None)

engine = create_engine(url)
insp = inspect(engine)
expect("get_table_names", sorted(insp.get_table_names()), ["items", "people"])
expect("has_table", (insp.has_table("people"), insp.has_table("nope")), (True, False))
cols = [(c["name"], str(c["type"]), c["nullable"], c["default"], c["autoincrement"])
        for c in insp.get_columns("people")]
expect("get_columns", cols, [
    ("id", "INTEGER", False, "nextval('people_id_seq'::regclass)", True),
    ("name", "VARCHAR(40)", False, None, False),
    ("age", "INTEGER", True, None, False),
    ("score", "NUMERIC(10, 2)", True, "0", False),
    ("email", "TEXT", True, None, False),
    ("created", "TIMESTAMP", True, "now()", False),
])
expect("get_check_constraints", insp.get_check_constraints("people"),
       [{"name": "people_age_check", "sqltext": "age >= 0", "comment": None}])
expect("get_foreign_keys", insp.get_foreign_keys("people"), [])
print("done")
