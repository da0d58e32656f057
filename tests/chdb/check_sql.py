"""Runs every ClickHouse statement of Accrete on a current ClickHouse engine
(chdb, in-process): the SQL module must stay inside what both ClickHouse
18.16 and current releases accept. Reads the statements (a JSON list) on
stdin; the SELECTs after the sample inserts must return rows."""
import json
import sys
import tempfile

from chdb import session

statements = json.load(sys.stdin)
failures = 0
with tempfile.TemporaryDirectory() as d:
    s = session.Session(d)
    print(f"chdb {s.query('SELECT version()', 'CSV').bytes().decode().strip()}")
    inserted = False
    for stmt in statements:
        head = " ".join(stmt.split())[:90]
        try:
            res = s.query(stmt, "TSV").bytes().decode()
        except Exception as e:  # chdb raises on SQL errors
            failures += 1
            print(f"FAILED {head}\n  {e}")
            continue
        if stmt.lstrip().startswith("INSERT"):
            inserted = True
        rows = [r for r in res.splitlines() if r]
        if inserted and stmt.lstrip().startswith("SELECT") and not rows:
            failures += 1
            print(f"FAILED (no rows) {head}")
            continue
        print(f"ok     {head} ({len(rows)} rows)")
print(f"{len(statements) - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
