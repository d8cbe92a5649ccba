"""Run one command and measure it: exit status, wall time, peak RSS.

    python bench/measure.py --out RESULT.json [--timeout S] [--stdout FILE] -- CMD ...

A small launcher of its own, for a clean peak RSS: Linux counts in a
child's ru_maxrss the memory of the process it was forked from (the
pre-exec copy), so a child of the big benchmark process would inherit that
process's size. Forked from this small launcher instead, the child's
ru_maxrss (from wait4) is its own. VmHWM, polled from /proc while the
command runs, is recorded beside it as a cross-check.

A crawl is two processes (the crawl and its archive writer), so the
figure that counts is the process tree's: `peak_rss_mb_tree` is the sum of
every process's own peak (VmHWM) in the command's tree, an upper bound of
the memory it held at any one time; `peak_rss_mb_tree_sampled` the largest
sum of current RSS seen by polling. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process (one pass over /proc)."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            out[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return out


def tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, ppid in _parents().items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def status_kb(pid: int) -> dict[str, int]:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return out


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" not in argv:
        print("usage: measure.py --out FILE [--timeout S] [--stdout FILE] -- CMD ...", file=sys.stderr)
        return 2
    at = argv.index("--")
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--stdout", help="file for the command's stdout and stderr (default: discarded)")
    args = p.parse_args(argv[:at])
    cmd = argv[at + 1:]
    sink = open(args.stdout, "wb") if args.stdout else subprocess.DEVNULL
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT)
    tree_hwm: dict[int, int] = {}  # pid -> its VmHWM, for every process seen in the tree
    tree_rss = [0]
    done = threading.Event()

    def poll():
        while not done.wait(0.05):
            rss = 0
            for pid in tree(proc.pid):
                st = status_kb(pid)
                if "VmHWM" in st:
                    tree_hwm[pid] = max(tree_hwm.get(pid, 0), st["VmHWM"])
                rss += st.get("VmRSS", 0)
            tree_rss[0] = max(tree_rss[0], rss)

    def kill():
        if not done.is_set():
            proc.send_signal(signal.SIGKILL)

    threading.Thread(target=poll, daemon=True).start()
    timer = threading.Timer(args.timeout, kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        done.set()
        timer.cancel()
    seconds = time.perf_counter() - started
    proc.returncode = rc = os.waitstatus_to_exitcode(status)
    result = {"rc": rc, "seconds": round(seconds, 3), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
              "peak_rss_mb_polled": round(tree_hwm.get(proc.pid, 0) / 1024, 1),
              # the child's own peak may come after the last poll: count the larger
              "peak_rss_mb_tree": round((sum(v for p, v in tree_hwm.items() if p != proc.pid)
                                         + max(usage.ru_maxrss, tree_hwm.get(proc.pid, 0))) / 1024, 1),
              "peak_rss_mb_tree_sampled": round(tree_rss[0] / 1024, 1), "processes": len(tree_hwm),
              "timed_out": rc == -signal.SIGKILL,
              "cpu_user_s": round(usage.ru_utime, 3), "cpu_system_s": round(usage.ru_stime, 3)}
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
