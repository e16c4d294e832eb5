#!/usr/bin/env python3
"""Times the peer tools (NetworKit, igraph, rustworkx, NetworkX, cynetdiff) on one kernel and
one graph, the way `cargo bench -p engine --bench kernels` times us, and prints one JSON line
per run: {"tool", "kernel", "graph", "threads", "run", "seconds", "quality": {...}}.

Only the algorithm is timed (graph loading excluded), except for the `load` kernel, which
times parsing the CSV and building the tool's graph. Run by bench/run.py inside the bench
venv; usage:
  peers.py --tool networkit --kernel pagerank --graph bench/graphs/ba_100k.csv \
           --undirected --threads 2 --runs 5 [--reference FILE]
Thread counts: NetworKit via setNumberOfThreads; rustworkx via RAYON_NUM_THREADS, which must
be set before this process starts (run.py does); igraph, NetworkX and cynetdiff are
single-threaded and are only run with --threads 1.
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def read_edges(path):
    """Parses `source,target[,...]` with integer ids 0..n-1 (header skipped)."""
    edges = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(0, 1), dtype=np.int64, ndmin=2)
    n = int(edges.max()) + 1 if len(edges) else 0
    return n, edges


def build(tool, n, edges, directed):
    if tool == "networkit":
        import networkit as nk
        g = nk.Graph(n, weighted=False, directed=directed)
        g.addEdges((edges[:, 0], edges[:, 1]))
        return g
    if tool == "igraph":
        import igraph as ig
        return ig.Graph(n=n, edges=edges, directed=directed)
    if tool == "rustworkx":
        import rustworkx as rx
        g = rx.PyDiGraph() if directed else rx.PyGraph()
        g.add_nodes_from(range(n))
        g.add_edges_from_no_data(list(map(tuple, edges.tolist())))
        return g
    if tool == "networkx":
        import networkx as nx
        g = nx.DiGraph() if directed else nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from(edges.tolist())
        return g
    raise SystemExit(f"peers.py: no builder for {tool}")


def l1_to_reference(values, reference):
    if reference is None:
        return {}
    v = np.asarray(values, dtype=float)
    v = v / v.sum()
    return {"l1_to_converged": float(np.abs(v - reference).sum())}


def pagerank(tool, g, args, reference):
    if tool == "networkit":
        import networkit as nk
        algo = nk.centrality.PageRank(g, 0.85, args.tol)
        t = time.perf_counter(); algo.run(); s = time.perf_counter() - t
        return s, l1_to_reference(algo.scores(), reference)
    if tool == "igraph":
        t = time.perf_counter(); v = g.pagerank(damping=0.85); s = time.perf_counter() - t
        return s, l1_to_reference(v, reference)
    if tool == "rustworkx":
        import rustworkx as rx
        dg = g if isinstance(g, rx.PyDiGraph) else g.to_directed()
        t = time.perf_counter(); r = rx.pagerank(dg, alpha=0.85, tol=args.tol); s = time.perf_counter() - t
        return s, l1_to_reference([r[i] for i in range(len(r))], reference)
    if tool == "networkx":
        import networkx as nx
        t = time.perf_counter(); r = nx.pagerank(g, alpha=0.85, tol=args.tol); s = time.perf_counter() - t
        return s, l1_to_reference([r[i] for i in range(len(r))], reference)


def betweenness(tool, g, args, reference):
    t = time.perf_counter()
    if tool == "networkit":
        import networkit as nk
        nk.centrality.Betweenness(g, normalized=False).run()
    elif tool == "igraph":
        g.betweenness()
    elif tool == "rustworkx":
        import rustworkx as rx
        rx.betweenness_centrality(g, normalized=False)
    elif tool == "networkx":
        import networkx as nx
        nx.betweenness_centrality(g, normalized=False)
    return time.perf_counter() - t, {}


def approx_betweenness(tool, g, args, reference):
    import networkit as nk
    algo = nk.centrality.KadabraBetweenness(g, args.epsilon, args.delta)
    t = time.perf_counter(); algo.run(); s = time.perf_counter() - t
    return s, {"epsilon": args.epsilon, "delta": args.delta}


def kcore(tool, g, args, reference):
    t = time.perf_counter()
    if tool == "networkit":
        import networkit as nk
        algo = nk.centrality.CoreDecomposition(g); algo.run(); cores = algo.scores()
    elif tool == "igraph":
        cores = g.coreness()
    elif tool == "rustworkx":
        import rustworkx as rx
        cores = list(rx.core_number(g).values())
    s = time.perf_counter() - t
    return s, {"max_core": int(max(cores)), "core_sum": int(sum(cores))}


def leiden(tool, g, args, reference):
    if tool == "networkit":
        import networkit as nk
        algo = nk.community.ParallelLeiden(g) if args.variant == "parallel_leiden" else nk.community.PLM(g, refine=True)
        t = time.perf_counter(); algo.run(); s = time.perf_counter() - t
        q = nk.community.Modularity().getQuality(algo.getPartition(), g)
        return s, {"modularity": q, "variant": args.variant or "plm_refine"}
    if tool == "igraph":
        t = time.perf_counter()
        part = g.community_leiden(objective_function="modularity", n_iterations=-1)
        s = time.perf_counter() - t
        return s, {"modularity": g.modularity(part.membership), "variant": "leiden_converged"}


def load(tool, _g, args, reference):
    t = time.perf_counter()
    n, edges = read_edges(args.graph)
    build(tool, n, edges, not args.undirected)
    return time.perf_counter() - t, {"n_edges": int(len(edges))}


def ic(tool, _g, args, reference):
    """cynetdiff Independent Cascade, p uniform, args.runs×args.ic_runs cascades."""
    from cynetdiff.models import IndependentCascadeModel
    n, edges = read_edges(args.graph)
    src, dst = edges[:, 0], edges[:, 1]
    if args.undirected:
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    starts = np.searchsorted(src, np.arange(n)).astype(np.uint32)
    model = IndependentCascadeModel(starts, dst.astype(np.uint32), activation_prob=args.p)
    seeds = seed_set(args.seeds, n, src)
    model.set_seeds(seeds)
    t = time.perf_counter()
    total = 0
    for _ in range(args.ic_runs):
        model.reset_model()
        model.advance_until_completion()
        total += model.get_num_activated_nodes()
    s = time.perf_counter() - t
    return s, {"spread": total / args.ic_runs, "runs": args.ic_runs, "seeds": args.seeds}


def seed_set(kind, n, src):
    """The 50 seeds of PEERS.md: numpy default_rng(7) choice, or the 50 highest degrees."""
    if kind == "random":
        return np.random.default_rng(7).choice(n, 50, replace=False).tolist()
    degree = np.bincount(src, minlength=n)
    return np.argsort(-degree, kind="stable")[:50].tolist()


KERNELS = {"pagerank": pagerank, "betweenness": betweenness, "approx_betweenness": approx_betweenness,
           "kcore": kcore, "leiden": leiden, "load": load, "ic": ic}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--kernel", required=True, choices=sorted(KERNELS))
    ap.add_argument("--graph", required=True)
    ap.add_argument("--undirected", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--reference", help="converged PageRank, one value per line by node id")
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--epsilon", type=float, default=0.01)
    ap.add_argument("--delta", type=float, default=0.1)
    ap.add_argument("--variant")
    ap.add_argument("--p", type=float, default=0.01)
    ap.add_argument("--ic-runs", type=int, default=10_000)
    ap.add_argument("--seeds", choices=["random", "degree"], default="random")
    args = ap.parse_args()
    if args.tool == "networkit":
        import networkit as nk
        nk.setNumberOfThreads(args.threads)
    reference = np.loadtxt(args.reference) if args.reference else None
    g = None
    if args.kernel not in ("load", "ic"):
        n, edges = read_edges(args.graph)
        g = build(args.tool, n, edges, not args.undirected)
    name = os.path.splitext(os.path.basename(args.graph))[0]
    for run in range(args.runs):
        seconds, quality = KERNELS[args.kernel](args.tool, g, args, reference)
        print(json.dumps({"tool": args.tool, "kernel": args.kernel, "graph": name, "threads": args.threads,
                          "run": run, "seconds": seconds, "quality": quality}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
