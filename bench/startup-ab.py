#!/usr/bin/env python3
"""Start-up A/B: trivial-guest runs of several jhyve builds (or JVM options), interleaved.

    bench/startup-ab.py TREE[:JAVA_OPTS] ...       e.g.
    bench/startup-ab.py /work/base /work/main "/work/main:-XX:TieredStopAtLevel=1"

Each TREE is a jhyve checkout after `make build` (its bin/jhyve, target/ and guests/build/);
JAVA_OPTS go to that run through JHYVE_JAVA_OPTS. Rounds interleave the variants (A B C A B C ...)
so a machine whose load drifts affects them alike. Prints, per variant, the medians of start ->
first guest output, guest power-off -> process exit, start-to-exit, and the process's CPU time
(user + system, all threads), which is steadier than wall time on a shared 2-core machine.
ROUNDS (environment) sets the rounds, 11 by default. For the table, use bench/bench.py startup.
"""
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (its timed_boot)


def run_once(tree, opts, name):
    guest = os.path.join(tree, "guests/build/testguest.elf")
    cmd = [os.path.join(tree, "bin/jhyve"), "-c", "1", "-m", "128M", "-s", "0,hostbridge", "-s", "1,lpc",
           "-l", "com1,stdio", "-o", f"jhyve.kernel={guest}", "-o", "jhyve.cmdline=poweroff", name]
    return bench.timed_boot(cmd, env=dict(os.environ, JHYVE_JAVA_OPTS=opts))


def main():
    variants = sys.argv[1:]
    if not variants:
        sys.exit(__doc__)
    rounds = int(os.environ.get("ROUNDS", "11"))
    name = f"ab{os.getpid()}"
    results = {v: [] for v in variants}
    try:
        for _ in range(rounds):
            for v in variants:
                tree, _, opts = v.partition(":")
                results[v].append(run_once(tree, opts, name))
    finally:
        # as bhyve's, a VM stays registered after it ends until destroyed: leave none behind
        tree = variants[0].partition(":")[0]
        subprocess.run([os.path.join(tree, "bin/jhyvectl"), f"--vm={name}", "--destroy"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for v in variants:
        r = results[v]
        med = [statistics.median(x[i] for x in r) for i in range(4)]
        print(f"{v}: first output {med[0]:.1f} ms, power-off->exit {med[1]:.1f} ms, start-to-exit {med[2]:.1f} ms"
              f" ({min(x[2] for x in r):.0f}-{max(x[2] for x in r):.0f}), CPU {med[3]:.0f} ms")


if __name__ == "__main__":
    main()
