"""Lag from a line written to a new transcript to its session answering in
the API: SAMPLES times, a new session file in CLAUDE/projects/-bench-lag,
then URL (with {sid}) polled until it answers 200. Prints p50, p99 and max.

    python3 bench/lag.py CLAUDE URL SAMPLES [PREFIX]
"""
import json, os, sys, time, urllib.request, uuid

claude, url, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
prefix = sys.argv[4] if len(sys.argv) > 4 else ""
proj = os.path.join(claude, "projects", "-bench-lag")
os.makedirs(proj, exist_ok=True)
lags = []
deadline = time.monotonic() + 600
for _ in range(samples):
    sid = str(uuid.uuid4())
    # Now, not a fixed date: the gateway refuses events from the future.
    ts = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    line = json.dumps({"type": "assistant", "sessionId": sid, "timestamp": ts,
                       "message": {"content": [{"type": "tool_use", "name": "TodoWrite", "input": {}}]}})
    t0 = time.monotonic()
    with open(os.path.join(proj, sid + ".jsonl"), "w") as f:
        f.write(line + "\n")
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url.format(sid=sid)) as r:
                if r.status == 200:
                    break
        except Exception:
            pass
        time.sleep(0.005)
    lags.append(time.monotonic() - t0)
    time.sleep(0.05)
lags.sort()
p = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))]
print(f"{prefix}line written -> visible in the API over {samples} samples: "
      f"p50 {p(0.5)*1000:.0f} ms, p99 {p(0.99)*1000:.0f} ms, max {lags[-1]*1000:.0f} ms")
