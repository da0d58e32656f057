"""Runs statements, then named queries, on a current ClickHouse engine
(chdb, in-process), for tests that compare Accrete's SQL with its Rust.
Reads {"setup": [sql, ...], "queries": {name: sql}, "dir": path?} on stdin;
prints {name: rows} (each row a list of values, 64-bit integers as numbers).
With "dir", the data lives there, so a later run can go on with it."""
import json
import sys
import tempfile

from chdb import session

job = json.load(sys.stdin)
out = {}
with tempfile.TemporaryDirectory() as scratch:
    s = session.Session(job.get("dir") or scratch)
    for stmt in job["setup"]:
        try:
            s.query(stmt)
        except Exception as e:  # chdb raises on SQL errors
            sys.exit(f"setup statement failed: {e}\n{stmt[:2000]}")
    for name, sql in job["queries"].items():
        try:
            res = s.query(sql + " SETTINGS output_format_json_quote_64bit_integers = 0", "JSONCompact")
        except Exception as e:
            sys.exit(f"query {name} failed: {e}\n{sql[:4000]}")
        text = res.bytes().decode()
        out[name] = json.loads(text)["data"] if text.strip() else []
    s.close()
json.dump(out, sys.stdout)
