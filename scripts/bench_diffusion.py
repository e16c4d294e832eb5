"""Independent-cascade Monte-Carlo: engine vs cynetdiff, in the same session.

IC with p = 0.01, 10,000 runs, 50 seeds (numpy default_rng(7).choice(n, 50, replace=False),
or the 50 highest-degree nodes, ties to the lower id), on undirected benchmark graphs.
Graph loading is excluded from every time; medians of REPEATS runs.

    cargo build --release -p engine --example diffusion_bench
    /work/venv/bench/bin/python scripts/bench_diffusion.py [GRAPH.csv ...]
"""

import array
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from cynetdiff.models import IndependentCascadeModel

P = 0.01
RUNS = 10_000
REPEATS = 5
ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "examples" / "diffusion_bench"


def load(path):
    edges = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int64)
    n = int(edges.max()) + 1
    src = np.concatenate([edges[:, 0], edges[:, 1]])
    dst = np.concatenate([edges[:, 1], edges[:, 0]])
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    starts = np.searchsorted(src, np.arange(n)).astype(np.uint32)
    return n, starts, dst.astype(np.uint32)


def seed_sets(n, starts, n_edges):
    degree = np.diff(np.append(starts.astype(np.int64), n_edges))
    random = np.random.default_rng(7).choice(n, 50, replace=False)
    top = np.lexsort((np.arange(n), -degree))[:50]
    return {"random": [int(s) for s in random], "top-degree": [int(s) for s in top]}


def time_cynetdiff(starts, edges, seeds):
    model = IndependentCascadeModel(
        array.array("I", starts), array.array("I", edges), activation_prob=P
    )
    times, spreads = [], []
    for _ in range(REPEATS):
        clock = time.perf_counter()
        total = 0
        for _ in range(RUNS):
            model.reset_model()
            model.set_seeds(seeds)
            model.advance_until_completion()
            total += model.get_num_activated_nodes()
        times.append(time.perf_counter() - clock)
        spreads.append(total / RUNS)
    return times, spreads


def time_engine(path, seeds, threads):
    out = subprocess.run(
        [BINARY, path, str(P), str(RUNS), str(threads), str(REPEATS), ",".join(map(str, seeds))],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = [line.split() for line in out.strip().splitlines()]
    return [float(r[0]) for r in rows], [float(r[1]) for r in rows], rows[-1][2:4]


def main():
    graphs = sys.argv[1:] or ["/work/venv/graphs/ba_100k.csv", "/work/venv/graphs/lfr_1m.csv"]
    print("graph | seeds | tool | median s | mean spread | ratio to cynetdiff")
    for path in graphs:
        n, starts, edges = load(path)
        for name, seeds in seed_sets(n, starts, len(edges)).items():
            peer_times, peer_spreads = time_cynetdiff(starts, edges, seeds)
            peer = statistics.median(peer_times)
            print(f"{Path(path).stem} | {name} | cynetdiff t1 | {peer:.4f} | "
                  f"{statistics.mean(peer_spreads):.2f} | 1.00")
            for threads in (1, 2):
                ours, spreads, ci = time_engine(path, seeds, threads)
                med = statistics.median(ours)
                print(f"{Path(path).stem} | {name} | engine t{threads} | {med:.4f} | "
                      f"{spreads[-1]:.2f} [{ci[0]}, {ci[1]}] | {peer / med:.1f}x")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
