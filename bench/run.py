"""`make bench`: the whole platform at national scale on this machine, stage by stage.

Writes ``bench/results.json`` and ``bench/results.md`` with, per stage, wall time, CPU time,
peak memory (max RSS of the stage's process tree as the kernel reports it) and rows per
second, each beside the target the issues set. The national simulation is cached by seed in
``bench/cache/`` (regenerated only when missing).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SEED = int(os.environ.get("BENCH_SEED", "42"))
WORK = BENCH_DIR / "cache" / f"national-seed{SEED}"
GB = 1024**3

# The targets the issues set (seconds, bytes); every stage also has the 8 GB ceiling (issue 7).
TARGETS = {
    "simulate": (300, 6 * GB),
    "quality": (120, 4 * GB),
    "training": (300, 8 * GB),
}
MEMORY_CEILING = 8 * GB
STAGES = ["simulate", "ingest", "dbt", "quality", "training", "scoring", "publish",
          "ingest_new_month", "dbt_incremental"]


def run_stage(stage: str, env: dict[str, str]) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench.stages", stage, str(WORK)],
                            stdout=subprocess.PIPE, env=env, cwd=BENCH_DIR.parent, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [line for line in out.strip().splitlines() if line.startswith("{")]
    detail = json.loads(lines[-1]) if lines else {}
    rows = int(detail.pop("rows", 0) or 0)
    return {
        "stage": stage,
        "ok": proc.returncode == 0,
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_memory_gb": round(usage.ru_maxrss * 1024 / GB, 2),  # ru_maxrss is in KiB on Linux
        "rows": rows,
        "rows_per_s": round(rows / wall) if wall > 0 else None,
        "detail": detail,
    }


def verdict(result: dict) -> str:
    wall_target, mem_target = TARGETS.get(result["stage"], (None, MEMORY_CEILING))
    ok = result["ok"] and result["peak_memory_gb"] * GB <= mem_target
    if wall_target is not None:
        ok &= result["wall_s"] <= wall_target
    targets = f"≤ {wall_target} s, " if wall_target else ""
    return f"{targets}≤ {mem_target / GB:.0f} GB: {'met' if ok else 'MISSED'}"


def markdown(results: list[dict]) -> str:
    head = ("| stage | wall s | CPU s | peak GB | rows | rows/s | target | detail |\n"
            "|---|---:|---:|---:|---:|---:|---|---|\n")
    body = "".join(
        f"| {r['stage']} | {r['wall_s']} | {r['cpu_s']} | {r['peak_memory_gb']} | {r['rows']:,} | "
        f"{r['rows_per_s'] or ''} | {r['target']} | {json.dumps(r['detail'], default=str) if r['detail'] else ''} |\n"
        for r in results
    )
    return head + body


def main() -> None:
    from ml.tracking_server import TrackingServer, free_port

    cached = (WORK / "truth" / "manifest.json").exists()
    # BENCH_FROM=<stage> resumes on the warehouse an earlier run left (figures of the earlier
    # stages are kept from bench/results.json).
    resume = os.environ.get("BENCH_FROM")
    stages = STAGES[STAGES.index(resume):] if resume else STAGES
    earlier = ([r for r in json.loads((BENCH_DIR / "results.json").read_text()) if r["stage"] not in stages]
               if resume and (BENCH_DIR / "results.json").exists() else [])
    derived = ("quality", "mlflow", "published") if resume else ("warehouse", "quality", "mlflow", "published", "dbt_target")
    for name in derived:
        shutil.rmtree(WORK / name, ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BENCH_SEED": str(SEED), "LTU_DATA_DIR": str(WORK),
           "LTU_PSEUDO_KEY": os.environ.get("LTU_PSEUDO_KEY", "bench-key")}
    results: list[dict] = earlier
    with TrackingServer(WORK / "mlflow", port=free_port()) as server:
        env["MLFLOW_TRACKING_URI"] = server.uri
        for stage in stages:
            if stage == "simulate" and cached:
                previous = BENCH_DIR / "cache" / f"simulate-seed{SEED}.json"
                if previous.exists():
                    results.append({**json.loads(previous.read_text()), "detail": {"cached": True}})
                    print(f"simulate: cached in {WORK}", flush=True)
                    continue
            print(f"{stage} …", flush=True)
            result = run_stage(stage, env)
            result["target"] = verdict(result)
            results.append(result)
            if stage == "simulate":
                (BENCH_DIR / "cache" / f"simulate-seed{SEED}.json").write_text(json.dumps(result))
            print(f"  {result['wall_s']} s, {result['peak_memory_gb']} GB, {result['rows']:,} rows "
                  f"({result['target']})", flush=True)
            if not result["ok"]:
                break
    (BENCH_DIR / "results.json").write_text(json.dumps(results, indent=2, default=str))
    table = markdown(results)
    (BENCH_DIR / "results.md").write_text(f"# Benchmark (national scale, seed {SEED}, {os.cpu_count()} cores)\n\n{table}")
    print(table)
    sys.exit(0 if all(r["ok"] for r in results) else 1)


if __name__ == "__main__":
    main()
