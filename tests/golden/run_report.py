"""Ad-hoc: print golden disagreements (not collected by pytest)."""
from __future__ import annotations
import sys, collections
sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
from _support import *  # noqa
import timetable as t
from timetable.airflow import from_serialized

def run(case):
    kind = case["kind"]; inp = case["inputs"]; exp = case["expected"]
    ser = case.get("airflow_serialized")
    if kind in ("next_dagrun_info", "sequence", "infer_manual_data_interval", "validate"):
        try:
            table = from_serialized(ser) if ser else build_from_spec(case["timetable"])
        except t.TimetableError as e:
            return ("error", type(e).__name__)
        if kind == "validate":
            return ("valid",)
        if kind == "infer_manual_data_interval":
            iv = t.infer_manual_interval(table, run_after=dt(inp["run_after"]))
            return (iv.start, iv.end)
        r = inp["restriction"]
        res = t.TimeRestriction(earliest=dt(r["earliest"]), latest=dt(r["latest"]), catchup=r["catchup"])
        now = dt(inp["now"])
        if kind == "next_dagrun_info":
            last = inp["last_automated_data_interval"]
            last = None if last is None else t.DataInterval(start=dt(last["start"]), end=dt(last["end"]))
            return info_tuple(t.next_run_info(table, last_interval=last, restriction=res, now=now))
        runs = []; last = None
        for _ in range(inp["max_runs"]):
            info = t.next_run_info(table, last_interval=last, restriction=res, now=now)
            if info is None: break
            runs.append(info_tuple(info)); last = info.data_interval
        return runs
    return None

def expected(case):
    kind = case["kind"]; exp = case["expected"]
    if "error" in exp: return ("error", exp["error"])
    if kind == "validate": return ("valid",)
    if kind == "infer_manual_data_interval": return (dt(exp["data_interval"]["start"]), dt(exp["data_interval"]["end"]))
    if kind == "next_dagrun_info": return info_tuple(exp["info"])
    if kind == "sequence": return [info_tuple(i) for i in exp["runs"]]

bad = collections.Counter(); total = collections.Counter()
for case in load("airflow_golden.jsonl"):
    if case["kind"] not in ("next_dagrun_info", "sequence", "infer_manual_data_interval", "validate"): continue
    total[case["kind"]] += 1
    try:
        got = run(case)
    except Exception as e:
        got = ("EXC", repr(e))
    exp = expected(case)
    ok = got == exp
    if case["kind"] == "sequence" and not ok and isinstance(got, list) and case["expected"].get("stopped") == "error":
        ok = None
    if not ok:
        bad[case["kind"]] += 1
        print(case["id"], case["tags"], case.get("timetable"), case["inputs"] if case["kind"] != "sequence" else case["inputs"]["restriction"], "\n   got", got if case["kind"]!="sequence" else got[:4], "\n   exp", exp if case["kind"]!="sequence" else exp[:4], case['expected'].get('message','')[:80] if isinstance(case['expected'], dict) else '')
print(total, bad)
