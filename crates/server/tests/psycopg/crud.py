"""Parameterised CRUD through psycopg 3 against a running EmbedDB server.

Usage: python crud.py PORT. Exits non-zero (with the failing assertion) on any difference
from what PostgreSQL does.
"""

import sys
from decimal import Decimal

import psycopg


def main(port: int) -> None:
    conninfo = f"host=127.0.0.1 port={port} user=psycopg dbname=psycopg"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        info = conn.info
        assert info.server_version >= 160000, info.server_version
        conn.execute(
            "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, "
            "price numeric(8,2), tags jsonb, added date)"
        )

        # Insert with parameters (server-side binding), one by one and in a batch.
        conn.execute(
            "INSERT INTO items (id, name, price) VALUES (%s, %s, %s)",
            (1, "apple", Decimal("0.50")),
        )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO items (id, name, price) VALUES (%s, %s, %s)",
                [(2, "pear", Decimal("0.75")), (3, "fig", None), (4, "kiwi", Decimal("1.10"))],
            )
            assert cur.rowcount == 3, cur.rowcount

        # Select with parameters, text and binary results.
        row = conn.execute("SELECT id, name, price FROM items WHERE id = %s", (2,)).fetchone()
        assert row == (2, "pear", Decimal("0.75")), row
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT name, price FROM items WHERE price > %s ORDER BY id", (Decimal("0.6"),))
            assert cur.fetchall() == [("pear", Decimal("0.75")), ("kiwi", Decimal("1.10"))]
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM items WHERE name LIKE %s ORDER BY name", ("%i%",)
            )
        ]
        assert names == ["fig", "kiwi"], names
        row = conn.execute("SELECT price FROM items WHERE id = %s", (3,)).fetchone()
        assert row == (None,), row

        # Update and delete with parameters; rowcount is the command tag's count.
        cur = conn.execute("UPDATE items SET price = price * %s WHERE price IS NOT NULL", (2,))
        assert cur.rowcount == 3, cur.rowcount
        cur = conn.execute("DELETE FROM items WHERE id = %s", (1,))
        assert cur.rowcount == 1, cur.rowcount
        total = conn.execute("SELECT sum(price) FROM items").fetchone()[0]
        assert total == Decimal("3.70"), total

        # RETURNING with parameters.
        row = conn.execute(
            "INSERT INTO items (id, name) VALUES (%s, %s) RETURNING id, name", (5, "lime")
        ).fetchone()
        assert row == (5, "lime"), row

    # A transaction that rolls back, and one that commits.
    with psycopg.connect(conninfo) as conn:
        with conn.cursor() as cur:
            cur.execute("DELETE FROM items WHERE id > %s", (0,))
            cur.execute("SELECT count(*) FROM items")
            assert cur.fetchone() == (0,)
        conn.rollback()
        count = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        assert count == 4, count
        conn.commit()

    # conn.transaction() from autocommit: BEGIN ... COMMIT, or ROLLBACK on an exception.
    # (Nested inside an open transaction it would use a savepoint.)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        try:
            with conn.transaction():
                conn.execute("INSERT INTO items (id, name) VALUES (%s, %s)", (6, "plum"))
                conn.execute("INSERT INTO items (id, name) VALUES (%s, %s)", (2, "duplicate"))
            raise AssertionError("duplicate key was accepted")
        except psycopg.errors.UniqueViolation:
            pass
        count = conn.execute("SELECT count(*) FROM items WHERE id = %s", (6,)).fetchone()[0]
        assert count == 0, count

        with conn.transaction():
            conn.execute("INSERT INTO items (id, name) VALUES (%s, %s)", (7, "date"))

    with psycopg.connect(conninfo, autocommit=True) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM items ORDER BY id")]
        assert ids == [2, 3, 4, 5, 7], ids
        try:
            conn.execute("SELECT %s::integer", ("not a number",))
            raise AssertionError("bad integer was accepted")
        except psycopg.errors.InvalidTextRepresentation:
            pass
    print("psycopg CRUD ok")


if __name__ == "__main__":
    main(int(sys.argv[1]))
