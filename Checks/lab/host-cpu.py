"""The lab's CPU time as the host measures it, for benchmarks: every 0.1 s, rewrites FILE with one line
"WALL_NS CPU_NS", CPU_NS the time every task of the UML session SID has run (schedstat, to the nanosecond) plus that
of its reaped children. The lab kernel's own accounting samples at its 100 Hz tick, which misses work that keeps in
step with the tick; the host's does not. Usage (host side, by uml-run.sh): python3 host-cpu.py SID FILE"""
import os
import sys
import time

sid, path = sys.argv[1], sys.argv[2]
tick_ns = 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def session_cpu_ns():
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
            if fields[3] != sid:
                continue
            if pid == sid:
                total += (int(fields[13]) + int(fields[14])) * tick_ns
            for task in os.listdir("/proc/%s/task" % pid):
                total += int(open("/proc/%s/task/%s/schedstat" % (pid, task)).read().split()[0])
        except (OSError, IndexError, ValueError):
            continue
    return total


while os.path.exists("/proc/" + sid):
    line = "%d %d\n" % (time.time_ns(), session_cpu_ns())
    with open(path + ".new", "w") as out:
        out.write(line)
    os.replace(path + ".new", path)
    time.sleep(0.1)
