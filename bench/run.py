#!/usr/bin/env python3
"""Drives one benchmark run: makes the graphs, times the engine (`cargo bench -p engine
--bench kernels`) and the peers (`bench/peers.py`) kernel by kernel, alternating tools so that
drift on a shared machine hits both, and writes raw.csv, summary.md and README.md under
bench/runs/<date>-<machine>/. Called by bench/run, inside the bench venv."""
import argparse
import csv
import datetime
import glob
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
GRAPHS = os.path.join(ROOT, "bench", "graphs")

# name -> (directed, how to make it)
GRAPH_SOURCES = {
    "ba_20k": (False, "make_graphs"),
    "ba_100k": (False, "make_graphs"),
    "lfr_1m": (False, "make_graphs"),
    "email_eu_core": (True, os.path.join(ROOT, "crates/engine/tests/fixtures/email_eu_core/ties.csv")),
    "email_enron": (False, os.path.join(SHARED, "data/bench/email_enron/ties.csv.gz")),
    "ca_hepph": (False, os.path.join(SHARED, "data/bench/ca_hepph/ties.csv.gz")),
}

# (kernel, graphs, peers as (tool, threads, runs or None for the default, extra args))
PLAN = [
    ("load", ["lfr_1m"], [("rustworkx", 1, None, []), ("networkit", 1, None, []), ("igraph", 1, None, [])]),
    ("pagerank", ["ba_100k", "lfr_1m", "email_eu_core", "email_enron", "ca_hepph"],
     [("networkit", 1, None, []), ("networkit", 2, None, []), ("igraph", 1, None, []),
      ("rustworkx", 2, None, [])]),
    ("betweenness", ["email_eu_core"],
     [("rustworkx", 2, None, []), ("igraph", 1, None, []), ("networkit", 2, None, [])]),
    ("betweenness", ["ba_20k"], [("rustworkx", 2, 1, []), ("igraph", 1, 1, [])]),
    ("approx_betweenness", ["ba_100k"], [("networkit", 1, None, []), ("networkit", 2, None, [])]),
    # NetworKit's KADABRA takes minutes here (215 s quiet, PEERS.md): only with --slow-peers.
    ("approx_betweenness", ["lfr_1m"], [("networkit", 2, 1, ["--slow"])]),
    ("kcore", ["ba_100k", "lfr_1m", "email_enron", "ca_hepph"],
     [("networkit", 1, None, []), ("networkit", 2, None, []), ("igraph", 1, None, []),
      ("rustworkx", 2, None, [])]),
    ("leiden", ["ba_100k", "lfr_1m"],
     [("networkit", 2, None, ["--variant", "plm_refine"]), ("networkit", 2, None, ["--variant", "parallel_leiden"]),
      ("igraph", 1, 1, [])]),
    ("leiden", ["email_enron", "ca_hepph"],
     [("networkit", 2, None, ["--variant", "plm_refine"]), ("igraph", 1, 1, [])]),
    ("ic_random", ["ba_100k", "lfr_1m"], [("cynetdiff", 1, None, ["--seeds", "random"])]),
    ("ic_degree", ["ba_100k", "lfr_1m"], [("cynetdiff", 1, None, ["--seeds", "degree"])]),
    # No peer runs here: the authors' OPIM-C is compared through PEERS.md (0.23 s on ba_100k),
    # and the quality baselines (top-50 by degree and by PageRank) come in our own rows.
    ("influence", ["ba_100k", "lfr_1m"], []),
]

# Quality figures the summary shows, when a row has them.
QUALITY_KEYS = ["l1_to_converged", "modularity", "spread", "spread_top_degree", "spread_top_pagerank",
                "max_core", "peak_rss_mb"]


def ensure_graphs(names):
    os.makedirs(GRAPHS, exist_ok=True)
    made = [n for n in ("ba_20k", "ba_100k", "lfr_1m") if n in names and not os.path.exists(path_of(n))]
    if made:
        subprocess.run([sys.executable, os.path.join(SHARED, "bench/make_graphs.py"), GRAPHS, "--only", *made],
                       check=True)
    for name in names:
        directed, source = GRAPH_SOURCES[name]
        if source != "make_graphs" and not os.path.exists(path_of(name)):
            convert(source, path_of(name), directed)
        reference = path_of(name) + ".pagerank"
        if not os.path.exists(reference):
            write_pagerank_reference(path_of(name), directed, reference)


def path_of(name):
    return os.path.join(GRAPHS, name + ".csv")


def convert(source, target, directed):
    """`source,target,...` ties (maybe gzipped) -> `source,target` with ids relabelled 0..n-1
    in numeric order, self-loops dropped, each undirected edge once."""
    opener = gzip.open if source.endswith(".gz") else open
    with opener(source, "rt") as f:
        rows = list(csv.reader(f))[1:]
    edges = {(int(s), int(t)) for s, t, *_ in rows if s != t}
    if not directed:
        edges = {(min(e), max(e)) for e in edges}
    ids = sorted({v for e in edges for v in e})
    index = {v: i for i, v in enumerate(ids)}
    with open(target, "w") as f:
        f.write("source,target\n")
        f.writelines(f"{index[s]},{index[t]}\n" for s, t in sorted(edges))


def write_pagerank_reference(graph, directed, out):
    """The exact PageRank (igraph's PRPACK solver, damping 0.85) by node id: the vector every
    tool's result is compared with at equal accuracy."""
    import igraph as ig
    import numpy as np
    edges = np.loadtxt(graph, delimiter=",", skiprows=1, dtype=np.int64, ndmin=2)
    g = ig.Graph(n=int(edges.max()) + 1, edges=edges, directed=directed)
    values = np.asarray(g.pagerank(damping=0.85, implementation="prpack"))
    np.savetxt(out, values / values.sum(), fmt="%.17g")


def run_json_lines(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, cwd=ROOT)
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def ours(kernel, graph, threads, runs):
    directed = GRAPH_SOURCES[graph][0]
    binary = sorted(glob.glob(os.path.join(ROOT, "target/release/deps/kernels-*")), key=os.path.getmtime)
    binary = [b for b in binary if os.access(b, os.X_OK) and not b.endswith(".d")][-1]
    cmd = [binary, "--kernel", kernel, "--graph", path_of(graph), "--threads", str(threads), "--runs", str(runs),
           "--reference", path_of(graph) + ".pagerank"]
    if not directed:
        cmd.append("--undirected")
    if kernel.startswith("ic_"):
        cmd += ["--seeds-file", ic_seeds_file(kernel, graph, directed)]
    if kernel == "influence":
        cmd += ["--epsilon", "0.1"]
    return run_json_lines(cmd)


def ic_seeds_file(kernel, graph, directed):
    """Writes the seeds peers.py gives cynetdiff (its `seed_set`), one node id a line."""
    kind = "random" if kernel == "ic_random" else "degree"
    path = path_of(graph) + ".seeds_" + kind
    if not os.path.exists(path):
        import numpy as np
        sys.path.insert(0, os.path.join(ROOT, "bench"))
        from peers import read_edges, seed_set
        n, edges = read_edges(path_of(graph))
        src = edges[:, 0] if directed else np.concatenate([edges[:, 0], edges[:, 1]])
        np.savetxt(path, np.asarray(seed_set(kind, n, src)), fmt="%d")
    return path


def peer(kernel, graph, tool, threads, runs, extra):
    directed = GRAPH_SOURCES[graph][0]
    peer_kernel = "ic" if kernel.startswith("ic_") else kernel
    cmd = [sys.executable, os.path.join(ROOT, "bench/peers.py"), "--tool", tool, "--kernel", peer_kernel,
           "--graph", path_of(graph), "--threads", str(threads), "--runs", str(runs),
           "--reference", path_of(graph) + ".pagerank", *extra]
    if not directed:
        cmd.append("--undirected")
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    rows = run_json_lines(cmd, env)
    variant = dict(zip(extra[::2], extra[1::2])).get("--variant")
    for row in rows:
        row["kernel"] = kernel
        if variant:
            row["tool"] = f"{tool}:{variant}"
    return rows


def summarise(rows):
    groups = {}
    for r in rows:
        groups.setdefault((r["kernel"], r["graph"]), {}).setdefault((r["tool"], r["threads"]), []).append(r)
    lines = ["| kernel | graph | ours t1 (s) | ours t2 (s) | fastest peer | peer (s) | peer / ours t2 | quality: ours t2 / peer |",
             "|---|---|---|---|---|---|---|---|"]
    for (kernel, graph), by_tool in groups.items():
        med = {k: statistics.median(r["seconds"] for r in v) for k, v in by_tool.items()}
        ours1, ours2 = med.get(("groundswell", 1)), med.get(("groundswell", 2))
        peers = {k: v for k, v in med.items() if k[0] != "groundswell"}
        if not peers:
            lines.append(f"| {kernel} | {graph} | {fmt(ours1)} | {fmt(ours2)} | — | — | — | "
                         f"{quality(by_tool.get(('groundswell', 2)))} |")
            continue
        best = min(peers, key=peers.get)
        ratio = f"{peers[best] / ours2:.2f}×" if ours2 else "—"
        lines.append(f"| {kernel} | {graph} | {fmt(ours1)} | {fmt(ours2)} | {best[0]} t{best[1]} | "
                     f"{fmt(peers[best])} | {ratio} | {quality(by_tool.get(('groundswell', 2)))} / "
                     f"{quality(by_tool[best])} |")
    return "\n".join(lines)


def fmt(x):
    return "—" if x is None else f"{x:.3g}"


def quality(rows):
    if not rows:
        return "—"
    q = rows[-1]["quality"]
    parts = [f"{k} {q[k]:.4g}" for k in QUALITY_KEYS if k in q]
    return ", ".join(parts) or "—"


def machine_readme(command):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    pins = open(os.path.join(ROOT, "bench/requirements.txt")).read()
    return (f"# Benchmark run {datetime.date.today()}\n\n- machine: {cpu}, {os.cpu_count()} cores, "
            f"{platform.system()} {platform.release()}\n- {rustc}; engine built with `--profile bench`\n"
            f"- Python {platform.python_version()}; peers:\n\n```\n{pins}```\n\n- command: `{command}`\n"
            "- seconds are the algorithm alone (graph loading excluded) except for `load`; "
            "summary.md gives medians over the runs in raw.csv.\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernels", help="comma-separated subset")
    ap.add_argument("--graphs", help="comma-separated subset")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", help="run folder (default bench/runs/<date>-<machine>)")
    ap.add_argument("--slow-peers", action="store_true", help="also run peers that take minutes")
    args = ap.parse_args()
    kernels = set(args.kernels.split(",")) if args.kernels else None
    graphs = set(args.graphs.split(",")) if args.graphs else None
    plan = [(k, [g for g in gs if not graphs or g in graphs], p) for k, gs, p in PLAN if not kernels or k in kernels]
    ensure_graphs(sorted({g for _, gs, _ in plan for g in gs}))
    out = args.out or os.path.join(ROOT, "bench/runs", f"{datetime.date.today()}-{os.cpu_count()}core")
    os.makedirs(out, exist_ok=True)
    raw = os.path.join(out, "raw.csv")
    new = not os.path.exists(raw)
    rows = []
    with open(raw, "a", newline="") as f:
        # Rows are written as they come, so an interrupted run keeps what it measured.
        w = csv.writer(f)
        if new:
            w.writerow(["tool", "kernel", "graph", "threads", "run", "seconds", "quality"])

        def record(new_rows):
            rows.extend(new_rows)
            for r in new_rows:
                w.writerow([r["tool"], r["kernel"], r["graph"], r["threads"], r["run"], f"{r['seconds']:.6f}",
                            json.dumps(r["quality"], sort_keys=True)])
            f.flush()
            print(f"{r['kernel']} {r['graph']} {r['tool']} t{r['threads']}: median "
                  f"{statistics.median(x['seconds'] for x in new_rows):.4f} s", file=sys.stderr)

        for kernel, gs, peers in plan:
            for graph in gs:
                for threads in (1, 2):
                    record(ours(kernel, graph, threads, args.runs))
                for tool, threads, runs, extra in peers:
                    if "--slow" in extra:
                        if not args.slow_peers:
                            continue
                        extra = [x for x in extra if x != "--slow"]
                    record(peer(kernel, graph, tool, threads, runs or args.runs, extra))
    summary = summarise(rows)
    with open(os.path.join(out, "summary.md"), "a") as f:
        f.write(summary + "\n\n")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(machine_readme("bench/run " + " ".join(sys.argv[1:])))
    print(summary)


if __name__ == "__main__":
    main()
