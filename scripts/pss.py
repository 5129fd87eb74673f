"""Peak memory of a command and every process it starts (Chromium's many
processes included), for ./scripts/bench.

PSS (proportional set size) counts shared pages once across the processes
that share them, so summing it over a process tree does not double-count
the browser's shared libraries as RSS would.
"""
import os
import subprocess
import time


def pss_total(root):
    """PSS in KiB summed over `root` and its descendants."""
    pids, total = {root}, 0
    for _ in range(3):  # the process tree, by parent pid
        for p in os.listdir('/proc'):
            if p.isdigit():
                try:
                    ppid = int(open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[1])
                except Exception:
                    continue
                if ppid in pids:
                    pids.add(int(p))
    for p in pids:
        try:
            for line in open(f'/proc/{p}/smaps_rollup'):
                if line.startswith('Pss:'):
                    total += int(line.split()[1])
        except Exception:
            pass
    return total


def run_sampled(cmd, every=0.1):
    """Run `cmd`, sampling its tree's PSS every `every` s: (wall s, peak KiB)."""
    start = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, pss_total(proc.pid))
        time.sleep(every)
    return time.time() - start, peak
