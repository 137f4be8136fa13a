#!/usr/bin/env python3
"""Run sqllogictest (.slt) files against PostgreSQL (or EmbedDB) and report every mismatch.

This is the reference checker for `sql-tests/`: every committed file must pass against
PostgreSQL 15 with it. It understands the subset of sqllogictest 0.29 syntax the suite uses
and compares values the way the cargo harness (`crates/server/tests/slt.rs`) does:

* values are PostgreSQL's text output; NULL prints as `NULL`, the empty string as `(empty)`;
* each expected line is compared with the row's values joined by one space, whitespace
  collapsed (sqllogictest's default normalizer); `rowsort` sorts the actual rows as lists of
  strings (byte order), `valuesort` sorts all values;
* `statement error <regex>` / `query error <regex>` search the regex in "message (SQLSTATE)";
  `statement error (XXXXX)` compares the SQLSTATE;
* `statement count N` compares the affected-row count (or the number of rows returned);
* `skipif` / `onlyif` see the labels `simple` or `extended` (the protocol) plus the engine
  name (`postgres`, or `embeddb` with --embeddb);
* `connection NAME` runs the next record on a named session of the same database.

Each file runs in a fresh database (PostgreSQL: CREATE DATABASE / DROP DATABASE on the admin
connection; EmbedDB: a fresh server on a temporary data directory), once per protocol:
"simple" sends the SQL as a simple Query message, "extended" as Parse/Bind/Execute with text
results. Unlike the cargo harness, the checker keeps going after a mismatch and reports all.

Usage:
  sql-tests/tools/slt_check.py [options] [FILE_OR_DIR ...]     (default: all of sql-tests/)
Options:
  --host H --port P --user U   PostgreSQL to check against (default 127.0.0.1 54320 postgres)
  --mode simple|extended|both  protocols to run (default both)
  --embeddb BIN                run against EmbedDB: start BIN per file and protocol
  --complete                   rewrite the files: fill in/replace query results with the
                               actual output, fill empty `statement error` / `query error`
                               lines with the escaped actual message (simple mode only;
                               review the diff!)
  --stop-first                 stop a file at its first mismatch, as the cargo harness does
  --timeout SECONDS            per statement (default 30)
  -v                           print every mismatch in full (default: first 40 lines each)
"""

import argparse
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from psycopg import pq

ROOT = Path(__file__).resolve().parent.parent  # sql-tests/

INT_OIDS = {20, 21, 23, 26}
REAL_OIDS = {700, 701, 1700}
BOOL_OID = 16


# ---------------------------------------------------------------------------------------------
# Parsing


class Record:
    def __init__(self, kind, line, **kw):
        self.kind = kind  # statement | query | halt | control | sleep
        self.line = line  # 1-based line of the header
        self.conditions = []
        self.connection = "default"
        self.sql = ""
        self.header_line = line - 1  # 0-based index of the header line
        self.result_start = None  # 0-based index of the first result line (after ----)
        self.result_end = None  # 0-based index one past the last result line
        self.sql_end = None  # 0-based index one past the last SQL line
        self.__dict__.update(kw)


def parse(path):
    lines = path.read_text().split("\n")
    records = []
    conditions = []
    connection = "default"
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if line.startswith("#") or line == "":
            i += 1
            continue
        tokens = line.split()
        if not tokens:
            i += 1
            continue
        head = tokens[0]
        if head in ("skipif", "onlyif"):
            conditions.append((head, tokens[1]))
            i += 1
            continue
        if head == "connection":
            connection = tokens[1]
            i += 1
            continue
        if head in ("hash-threshold", "subtest"):
            i += 1
            continue
        if head == "halt":
            records.append(Record("halt", i + 1))
            i += 1
            continue
        if head == "sleep":
            records.append(Record("sleep", i + 1, duration=tokens[1]))
            i += 1
            continue
        if head == "control":
            records.append(Record("control", i + 1, args=tokens[1:]))
            i += 1
            continue
        if head not in ("statement", "query"):
            raise SyntaxError(f"{path}:{i + 1}: unsupported line: {line}")
        rec = Record(head, i + 1)
        rec.conditions = conditions
        rec.connection = connection
        conditions = []
        connection = "default"
        rest = tokens[1:]
        rec.expect_error = None  # None: success expected; else ("regex", r) / ("state", s) / ("any",)
        rec.count = None
        rec.types = ""
        rec.sort = None
        if rest and rest[0] == "error":
            joined = " ".join(rest[1:])
            m = re.fullmatch(r"\(([0-9A-Z]{5})\)", joined)
            if m:
                rec.expect_error = ("state", m.group(1))
            elif joined:
                rec.expect_error = ("regex", joined)
            else:
                rec.expect_error = ("any",)
        elif head == "statement":
            if rest[0] == "ok":
                pass
            elif rest[0] == "count":
                rec.count = int(rest[1])
            else:
                raise SyntaxError(f"{path}:{i + 1}: bad statement line: {line}")
        else:
            if not rest:
                raise SyntaxError(f"{path}:{i + 1}: query without types")
            rec.types = rest[0]
            if len(rest) > 1 and rest[1] in ("rowsort", "valuesort", "nosort"):
                rec.sort = rest[1]
        # SQL lines up to an empty line or ----
        i += 1
        sql_lines = []
        has_results = False
        while i < n:
            if lines[i] == "":
                break
            if lines[i] == "----":
                has_results = True
                break
            sql_lines.append(lines[i])
            i += 1
        rec.sql = "\n".join(sql_lines)
        rec.sql_end = i
        if not sql_lines:
            raise SyntaxError(f"{path}:{rec.line}: record without SQL")
        rec.results = []
        if has_results:
            i += 1
            rec.result_start = i
            if rec.expect_error is not None:
                raise SyntaxError(f"{path}:{rec.line}: multiline errors are not supported here")
            if head == "statement":
                raise SyntaxError(f"{path}:{rec.line}: statement with results")
            while i < n and lines[i] != "":
                rec.results.append(lines[i])
                i += 1
            rec.result_end = i
        records.append(rec)
    return lines, records


# ---------------------------------------------------------------------------------------------
# Connections


class DbError(Exception):
    def __init__(self, message, sqlstate):
        super().__init__(message)
        self.message = message
        self.sqlstate = sqlstate

    def display(self):
        return f"{self.message} ({self.sqlstate})"


class Session:
    def __init__(self, conninfo, mode, timeout):
        self.conn = pq.PGconn.connect(conninfo.encode())
        if self.conn.status != pq.ConnStatus.OK:
            raise RuntimeError(self.conn.get_error_message())
        self.conn.notice_handler = lambda res: None
        self.mode = mode
        self.timeout = timeout

    def close(self):
        self.conn.finish()

    def _results(self):
        """All results of the statement just sent; cancels it after the timeout."""
        results = []
        deadline = time.time() + self.timeout
        self.timed_out = False
        while True:
            while self.conn.is_busy():
                left = deadline - time.time()
                if left <= 0 and not self.timed_out:
                    self.conn.get_cancel().cancel()
                    self.timed_out = True
                select.select([self.conn.socket], [], [], max(0.01, min(left, 1.0)))
                self.conn.consume_input()
            res = self.conn.get_result()
            if res is None:
                return results
            results.append(res)

    def run(self, sql):
        """Returns ("rows", [[str]], [oid]) or ("count", n); raises DbError."""
        if self.mode == "simple":
            self.conn.send_query(sql.encode())
        else:
            self.conn.send_query_params(sql.encode(), [], result_format=0)
        results = self._results()
        if self.timed_out:
            raise DbError(f"checker timeout after {self.timeout}s (cancelled)", "TIMEOUT")
        rows = None
        oids = []
        count = 0
        for res in results:
            st = res.status
            if st == pq.ExecStatus.FATAL_ERROR:
                msg = (res.error_field(pq.DiagnosticField.MESSAGE_PRIMARY) or b"").decode()
                state = (res.error_field(pq.DiagnosticField.SQLSTATE) or b"").decode()
                raise DbError(msg, state)
            if st in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE):
                if rows is None:
                    rows = []
                oids = [res.ftype(c) for c in range(res.nfields)]
                for r in range(res.ntuples):
                    row = []
                    for c in range(res.nfields):
                        v = res.get_value(r, c)
                        if v is None:
                            row.append("NULL")
                        elif v == b"":
                            row.append("(empty)")
                        else:
                            row.append(v.decode())
                    rows.append(row)
                tag = res.command_tuples
                count = int(tag) if tag else 0
            elif st == pq.ExecStatus.COMMAND_OK:
                tag = res.command_tuples
                count = int(tag) if tag else 0
            elif st == pq.ExecStatus.EMPTY_QUERY:
                pass
            else:
                raise DbError(f"unexpected result status {st}", "XXXXX")
        if rows is not None:
            return ("rows", rows, oids)
        return ("count", count)


class PostgresTarget:
    engine = "postgres"

    def __init__(self, host, port, user):
        self.host, self.port, self.user = host, port, user
        self.admin = pq.PGconn.connect(self.conninfo("postgres").encode())
        if self.admin.status != pq.ConnStatus.OK:
            sys.exit(f"cannot connect to PostgreSQL: {self.admin.get_error_message()}")

    def conninfo(self, db):
        return f"host={self.host} port={self.port} user={self.user} dbname={db}"

    def _admin(self, sql):
        res = self.admin.exec_(sql.encode())
        if res.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
            raise RuntimeError(res.get_error_message())

    def start(self):
        db = "slt_" + uuid.uuid4().hex[:12]
        self._admin(f"CREATE DATABASE {db}")
        return db

    def stop(self, db):
        self._admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


class EmbedDbTarget:
    engine = "embeddb"

    def __init__(self, binary):
        self.binary = binary
        self.servers = {}

    def conninfo(self, key):
        port = self.servers[key][1]
        return f"host=127.0.0.1 port={port} user=slt dbname=slt"

    def start(self):
        tmp = tempfile.mkdtemp(prefix="slt_check_")
        log = open(os.path.join(tmp, "server.log"), "w")
        proc = subprocess.Popen(
            [self.binary, "--listen", "127.0.0.1:0", "--data-dir", os.path.join(tmp, "data")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
        )
        deadline = time.time() + 30
        port = None
        while time.time() < deadline:
            text = Path(tmp, "server.log").read_text()
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", text)
            if m:
                port = int(m.group(1))
                break
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        if port is None:
            proc.kill()
            raise RuntimeError("embeddb did not start: " + Path(tmp, "server.log").read_text())
        self.servers[tmp] = (proc, port, log)
        return tmp

    def stop(self, key):
        proc, _, log = self.servers.pop(key)
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(key, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Running


def normalize(s):
    return " ".join(s.split())


def escape_regex(msg):
    return re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", msg)


def type_chars(oids):
    out = ""
    for o in oids:
        if o in INT_OIDS:
            out += "I"
        elif o in REAL_OIDS:
            out += "R"
        elif o == BOOL_OID:
            out += "B"
        else:
            out += "T"
    return out


def skipped(rec, labels):
    for kind, label in rec.conditions:
        if kind == "skipif" and label in labels:
            return True
        if kind == "onlyif" and label not in labels:
            return True
    return False


def sort_rows(rows, mode):
    if mode == "rowsort":
        return sorted(rows)
    if mode == "valuesort":
        return sorted([v] for row in rows for v in row)
    return rows


def run_file(path, target, mode, args, edits):
    """Returns a list of (line, message) mismatches."""
    lines, records = parse(path)
    labels = {mode, target.engine}
    failures = []
    key = target.start()
    sessions = {}
    sort_default = None
    try:
        for rec in records:
            if rec.kind == "halt":
                break
            if rec.kind == "sleep":
                m = re.fullmatch(r"(\d+)(ms|s)", rec.duration)
                time.sleep(int(m.group(1)) / (1000 if m.group(2) == "ms" else 1))
                continue
            if rec.kind == "control":
                if rec.args[0] == "sortmode":
                    sort_default = rec.args[1]
                continue
            if skipped(rec, labels):
                continue
            if rec.connection not in sessions:
                sessions[rec.connection] = Session(target.conninfo(key), mode, args.timeout)
            sess = sessions[rec.connection]
            try:
                out = sess.run(rec.sql)
                err = None
            except DbError as e:
                out, err = None, e
            fail = check(rec, out, err, sort_default, edits if mode == "simple" else None)
            if fail:
                failures.append((rec.line, fail))
                if args.stop_first:
                    break
    finally:
        for s in sessions.values():
            s.close()
        target.stop(key)
    return failures


def check(rec, out, err, sort_default, edits):
    sql = rec.sql
    if rec.expect_error is not None:
        if err is None:
            if rec.expect_error == ("any",) and edits is not None:
                pass
            return f"expected an error, got success\n    {sql}"
        kind = rec.expect_error[0]
        if kind == "any":
            if edits is not None:
                edits.append(("error", rec, escape_regex(err.message) + f" \\({err.sqlstate}\\)"))
            return None
        if kind == "state":
            if err.sqlstate != rec.expect_error[1]:
                return f"expected SQLSTATE {rec.expect_error[1]}, got {err.display()}\n    {sql}"
            return None
        if not re.search(rec.expect_error[1], err.display()):
            return (f"error mismatch\n    {sql}\n    expected: {rec.expect_error[1]}\n"
                    f"    actual:   {err.display()}")
        return None
    if err is not None:
        return f"unexpected error: {err.display()}\n    {sql}"
    if rec.kind == "statement":
        if rec.count is not None:
            n = len(out[1]) if out[0] == "rows" else out[1]
            if n != rec.count:
                return f"expected count {rec.count}, got {n}\n    {sql}"
        return None
    # query
    if out[0] != "rows":
        if rec.results:
            return f"expected rows, got statement completion\n    {sql}"
        return None
    rows, oids = out[1], out[2]
    problems = []
    if len(rec.types) != len(oids):
        problems.append(f"type string {rec.types!r} has {len(rec.types)} columns, result has {len(oids)}")
    mode = rec.sort or sort_default
    actual = [" ".join(normalize(v) for v in row) for row in sort_rows(rows, mode)]
    expected = [normalize(r) for r in rec.results]
    if actual != expected:
        problems.append("result mismatch\n    " + sql.replace("\n", "\n    ")
                        + "\n    expected:\n" + "".join(f"      {r}\n" for r in expected)
                        + "    actual:\n" + "".join(f"      {r}\n" for r in actual))
    if problems and edits is not None:
        display = [" ".join(row) for row in sort_rows(rows, mode)]
        edits.append(("results", rec, display, type_chars(oids)))
    return "; ".join(problems) if problems else None


def apply_edits(path, lines, edits):
    # apply from the bottom up so earlier indices stay valid
    def pos(e):
        return e[1].header_line

    for e in sorted(edits, key=pos, reverse=True):
        rec = e[1]
        if e[0] == "error":
            head = lines[rec.header_line].split()[0]
            lines[rec.header_line] = f"{head} error {e[2]}"
        else:
            display, types = e[2], e[3]
            header = lines[rec.header_line].split()
            if len(header[1]) != len(types):
                header[1] = types
            lines[rec.header_line] = " ".join(header)
            if rec.result_start is not None:
                lines[rec.result_start:rec.result_end] = display
            else:
                lines[rec.sql_end:rec.sql_end] = ["----"] + display
    path.write_text("\n".join(lines))


def collect(paths):
    files = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(p.rglob("*.slt")))
        else:
            files.append(p)
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", default="54320")
    ap.add_argument("--user", default="postgres")
    ap.add_argument("--mode", default="both", choices=["simple", "extended", "both"])
    ap.add_argument("--embeddb")
    ap.add_argument("--complete", action="store_true")
    ap.add_argument("--stop-first", action="store_true")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()

    paths = args.paths or [str(ROOT)]
    files = [f for f in collect(paths) if "tools" not in f.parts]
    target = EmbedDbTarget(args.embeddb) if args.embeddb else PostgresTarget(args.host, args.port, args.user)
    modes = ["simple", "extended"] if args.mode == "both" else [args.mode]
    if args.complete:
        modes = ["simple"]

    total_fail = 0
    records_run = 0
    failed_files = []
    for f in files:
        lines, records = parse(f)
        records_run += sum(1 for r in records if r.kind in ("statement", "query"))
        for mode in modes:
            edits = [] if args.complete else None
            failures = run_file(f, target, mode, args, edits)
            if edits:
                apply_edits(f, lines, edits)
                print(f"{f}: rewrote {len(edits)} record(s)")
            rel = os.path.relpath(f)
            if failures:
                total_fail += len(failures)
                failed_files.append(f"{rel} [{mode}]")
                for line, msg in failures:
                    text = msg if args.v else "\n".join(msg.split("\n")[:40])
                    print(f"FAIL {rel}:{line} [{mode}] {text}")
            elif not args.complete:
                print(f"ok   {rel} [{mode}]")
    print(f"\n{len(files)} files, {records_run} records, {total_fail} mismatches"
          + (" in: " + ", ".join(failed_files) if failed_files else ""))
    return 1 if total_fail else 0


if __name__ == "__main__":
    sys.exit(main())
