"""Reference values from NetworkX for the engine's tests.

Reads each data set in crates/engine/tests/fixtures/<dataset>/ (people.csv, ties.csv) with the
csv module, builds the graphs the engine builds, and writes
crates/engine/tests/fixtures/reference/<dataset>.json. Run it through scripts/reference-values,
which pins NetworkX, NumPy and SciPy in a venv of its own.

Graph conventions (the engine's: `Network::graph` and `Graph::to_undirected` in
crates/engine/src/graph.rs):
- directed_all_layers: the union of every layer; parallel ties (several layers, or repeats)
  become one edge whose weight is their sum; nodes in people.csv order; self-loops kept.
- directed_all_layers_no_self_loops: the same without ties from a person to themselves.
- undirected_all_layers: directed_all_layers with u->v and v->u merged into one edge whose
  weight is their sum; a self-loop stays one edge with its weight.

Floats are written with repr (they round-trip exactly), per-node values as arrays in node
order, NaN as null.
"""

import csv
import json
import math
import os
import sys
from pathlib import Path

import networkx as nx
import numpy
import scipy
import scipy.sparse
import scipy.sparse.linalg

NETWORKX_VERSION = "3.6.1"
DATASETS = ["krackhardt_hightech", "lazega_law_firm", "medical_innovation", "email_eu_core"]
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "crates" / "engine" / "tests" / "fixtures"

GRAPHS = {
    "directed_all_layers": "union of all layers, parallel ties summed into one weight, "
    "self-loops kept",
    "directed_all_layers_no_self_loops": "directed_all_layers without self-loops",
    "undirected_all_layers": "directed_all_layers with u->v and v->u merged into one edge "
    "of summed weight (self-loops kept, once)",
}

PAGERANK = {"alpha": 0.85, "tol": 1e-15, "max_iter": 10000, "weight": "weight"}
N_PERSONALIZED = 5
LOUVAIN_SEEDS = range(5)

NOTES = [
    "pagerank: tol 1e-15 rather than 1e-13; at 1e-13 NetworkX's power iteration stops up to "
    "6e-9 (relative) short of the exact PageRank on email_eu_core. Each vector is checked "
    "within 1e-9 of a direct sparse solve.",
    "core_number, constraint, effective_size: on the graph without self-loops (NetworkX "
    "refuses them in core_number; Burt's measures exclude ties to oneself).",
    "effective_size: NetworkX's sparse-matrix formula with the row maxima on the right axis "
    "(NetworkX 3.6.1 divides along the wrong one on weighted graphs, networkx PR #8906), "
    "checked against NetworkX's per-node code.",
    "communities: on the undirected graph with its self-loops; NetworkX counts a self-loop "
    "of weight w as w inside its community and 2w in its node's degree.",
]


def read_dataset(folder):
    """Node ids in people.csv order, their units, and the directed tie list."""
    with open(folder / "people.csv", newline="", encoding="utf-8") as f:
        people = list(csv.DictReader(f))
    ids = [row["id"] for row in people]
    units = [row["unit"] for row in people]
    with open(folder / "ties.csv", newline="", encoding="utf-8") as f:
        ties = [(row["source"], row["target"], float(row["weight"])) for row in csv.DictReader(f)]
    known = set(ids)
    unknown = {end for s, t, _ in ties for end in (s, t) if end not in known}
    if unknown:
        sys.exit(f"{folder}: ties name ids not in people.csv: {sorted(unknown)[:5]}")
    return ids, units, ties


def directed_graph(ids, ties):
    """The engine's Network::graph with every layer: parallel ties summed."""
    g = nx.DiGraph()
    g.add_nodes_from(ids)
    for s, t, w in ties:
        if g.has_edge(s, t):
            g[s][t]["weight"] += w
        else:
            g.add_edge(s, t, weight=w)
    return g


def undirected_graph(d):
    """The engine's Graph::to_undirected: u->v and v->u become one edge of summed weight.

    NetworkX's own to_undirected keeps one of the two weights, so it is built here.
    """
    u = nx.Graph()
    u.add_nodes_from(d)
    for s, t, w in d.edges(data="weight"):
        if u.has_edge(s, t):
            u[s][t]["weight"] += w
        else:
            u.add_edge(s, t, weight=w)
    return u


def without_self_loops(g):
    h = g.copy()
    h.remove_edges_from(list(nx.selfloop_edges(h)))
    return h


def number(x):
    """A JSON-ready number: integral values as ints, NaN as None, other floats as is."""
    x = float(x)
    if math.isnan(x):
        return None
    if x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


def by_node(ids, values):
    return [number(values[v]) for v in ids]


def exact_pagerank(d, personalization):
    """PageRank by a sparse direct solve, to check the power iteration's accuracy."""
    n = d.number_of_nodes()
    a = nx.to_scipy_sparse_array(d, weight="weight", format="csr")
    out = numpy.asarray(a.sum(axis=1)).ravel()
    dangling = out == 0
    p = numpy.asarray(personalization, dtype=float)
    p = p / p.sum()
    inv = numpy.where(dangling, 0.0, 1.0 / numpy.where(dangling, 1.0, out))
    m = scipy.sparse.diags(inv) @ a  # row-stochastic on non-dangling rows
    # x = alpha (M^T x + (dangling . x) p) + (1 - alpha) p, with sum(x) = 1
    alpha = PAGERANK["alpha"]
    system = scipy.sparse.identity(n) - alpha * (
        m.T + scipy.sparse.csr_array(numpy.outer(p, dangling.astype(float)))
    )
    x = scipy.sparse.linalg.spsolve(system.tocsc(), (1 - alpha) * p)
    return x / x.sum()


def check_pagerank(d, ids, values, personalization):
    """Fails unless the power iteration agrees with a direct solve to 1e-9 relative (1e-12
    absolute for the nodes a personalized walk never reaches, whose exact rank is 0)."""
    exact = exact_pagerank(d, personalization)
    worst = 0.0
    for k, v in enumerate(ids):
        error = abs(values[v] - exact[k])
        if exact[k] > 1e-12:
            worst = max(worst, error / exact[k])
        elif error > 1e-12:
            sys.exit(f"pagerank of {v} is {values[v]!r}, the direct solve says {exact[k]!r}")
    if worst > 1e-9:
        sys.exit(f"pagerank power iteration is {worst:.2e} from the direct solve")
    print(f"  pagerank: power iteration within {worst:.1e} (relative) of a direct solve")


def measures_for(ids, d, d_noloops, u):
    """Every per-node measure: name -> (graph name, values in node order)."""
    m = {}
    dg = "directed_all_layers"
    for direction, view in [("in", d.in_degree), ("out", d.out_degree), ("total", d.degree)]:
        m[f"degree_{direction}"] = (dg, by_node(ids, dict(view())))
        m[f"degree_{direction}_weighted"] = (dg, by_node(ids, dict(view(weight="weight"))))
    ug = "undirected_all_layers"
    m["degree_undirected"] = (ug, by_node(ids, dict(u.degree())))
    m["degree_undirected_weighted"] = (ug, by_node(ids, dict(u.degree(weight="weight"))))

    pr = nx.pagerank(d, **PAGERANK)
    check_pagerank(d, ids, pr, [1.0] * len(ids))
    m["pagerank"] = (dg, by_node(ids, pr))
    first = {v: (1.0 if k < N_PERSONALIZED else 0.0) for k, v in enumerate(ids)}
    ppr = nx.pagerank(d, personalization=first, **PAGERANK)
    check_pagerank(d, ids, ppr, [first[v] for v in ids])
    m["pagerank_personalized"] = (dg, by_node(ids, ppr))

    bc = nx.betweenness_centrality
    m["betweenness"] = (dg, by_node(ids, bc(d, normalized=False)))
    m["betweenness_normalized"] = (dg, by_node(ids, bc(d, normalized=True)))
    weighted = bc(d, normalized=True, weight="weight")
    m["betweenness_weighted_normalized"] = (dg, by_node(ids, weighted))
    m["betweenness_undirected_normalized"] = (ug, by_node(ids, bc(u, normalized=True)))

    m["harmonic"] = (dg, by_node(ids, nx.harmonic_centrality(d)))
    m["harmonic_weighted"] = (dg, by_node(ids, nx.harmonic_centrality(d, distance="weight")))

    ng = "directed_all_layers_no_self_loops"
    m["core_number"] = (ng, by_node(ids, nx.core_number(d_noloops)))
    constraint, effective = structural_holes(d_noloops, ids)
    m["constraint"] = (ng, by_node(ids, constraint))
    m["effective_size"] = (ng, by_node(ids, effective))
    return m


def structural_holes(g, ids):
    """Burt's constraint and effective size of every node, weighted: NetworkX's formulas.

    Constraint is nx.constraint (its sparse-matrix code). NetworkX 3.6.1's sparse-matrix
    effective_size divides by the row maxima along the wrong axis, wrong on weighted graphs
    (networkx/networkx PR #8906), and its per-node code is O(d^3) per node, too slow for
    email_eu_core; so effective size is NetworkX's matrix formula with that axis fixed.
    Both are checked against NetworkX's per-node code (on every node of the small data sets,
    on the low-degree nodes of the large one).
    """
    a = nx.to_numpy_array(g, nodelist=ids, weight="weight")
    mutual = a + a.T
    row_sum = mutual.sum(axis=1)
    row_max = mutual.max(axis=1)
    isolated = row_sum == 0
    with numpy.errstate(divide="ignore", invalid="ignore"):
        p = mutual / row_sum[:, None]
        m = mutual / row_max[:, None]
    p[isolated] = 0.0
    m[isolated] = 0.0
    effective = ((p > 0) * (1.0 - p @ m.T)).sum(axis=1)
    effective[isolated] = float("nan")
    effective = dict(zip(ids, effective.tolist()))
    constraint = nx.constraint(g, weight="weight")

    degree = dict(g.degree())
    checked = [v for v in ids if degree[v] <= 20][:60] if len(ids) > 200 else ids
    reverse = g.reverse(copy=True)
    for v in checked:
        if degree[v] == 0:
            slow = {"constraint": float("nan"), "effective_size": float("nan")}
        else:
            # The per-node code calls a node without successors isolated; both measures
            # depend only on a_uv + a_vu, which reversal keeps.
            h = g if len(g[v]) > 0 else reverse
            slow = {
                "constraint": nx.constraint(h, nodes=[v], weight="weight")[v],
                "effective_size": nx.effective_size(h, nodes=[v], weight="weight")[v],
            }
        for name, fast in [("constraint", constraint[v]), ("effective_size", effective[v])]:
            same_nan = math.isnan(fast) and math.isnan(slow[name])
            if not same_nan and not math.isclose(fast, slow[name], rel_tol=1e-12):
                sys.exit(f"{name} of {v}: {fast!r} here, {slow[name]!r} by networkx per node")
    return constraint, effective


def components_for(d):
    weak = sorted((len(c) for c in nx.weakly_connected_components(d)), reverse=True)
    strong = sorted((len(c) for c in nx.strongly_connected_components(d)), reverse=True)
    return {
        "graph": "directed_all_layers",
        "n_weakly_connected": len(weak),
        "weakly_connected_sizes_descending": weak,
        "n_strongly_connected": len(strong),
        "strongly_connected_sizes_descending": strong,
    }


def communities_for(ids, units, u):
    by_seed = [
        nx.community.modularity(u, nx.community.louvain_communities(u, seed=s))
        for s in LOUVAIN_SEEDS
    ]
    groups = {}
    for v, unit in zip(ids, units):
        groups.setdefault(unit, set()).add(v)
    return {
        "graph": "undirected_all_layers",
        "louvain_seeds": list(LOUVAIN_SEEDS),
        "louvain_modularity_by_seed": by_seed,
        "louvain_modularity_max": max(by_seed),
        "unit_partition_column": "unit",
        "n_units": len(groups),
        "unit_modularity": nx.community.modularity(u, list(groups.values())),
    }


def graph_summary(g):
    return {
        "description": GRAPHS[g.graph["name"]],
        "n_nodes": g.number_of_nodes(),
        "n_edges": g.number_of_edges(),
        "n_self_loops": nx.number_of_selfloops(g),
        "total_weight": number(g.size(weight="weight")),
    }


def reference(dataset):
    ids, units, ties = read_dataset(FIXTURES / dataset)
    d = directed_graph(ids, ties)
    d_noloops = without_self_loops(d)
    u = undirected_graph(d)
    d.graph["name"] = "directed_all_layers"
    d_noloops.graph["name"] = "directed_all_layers_no_self_loops"
    u.graph["name"] = "undirected_all_layers"
    return {
        "dataset": dataset,
        "generator": "scripts/reference_values.py",
        "networkx_version": nx.__version__,
        "numpy_version": numpy.__version__,
        "scipy_version": scipy.__version__,
        "notes": NOTES,
        "graphs": {g.graph["name"]: graph_summary(g) for g in (d, d_noloops, u)},
        "parameters": {
            "pagerank": {**PAGERANK, "personalized_first_n_nodes": N_PERSONALIZED},
        },
        "ids": ids,
        "measures": {
            name: {"graph": graph, "values": values}
            for name, (graph, values) in measures_for(ids, d, d_noloops, u).items()
        },
        "components": components_for(d),
        "communities": communities_for(ids, units, u),
    }


def dump(data):
    """Compact JSON with one measure per line, so a diff shows which measure changed."""
    def compact(x):
        return json.dumps(x, separators=(",", ":"), allow_nan=False)

    lines = ["{"]
    items = list(data.items())
    for k, (key, value) in enumerate(items):
        end = "," if k + 1 < len(items) else ""
        if isinstance(value, dict) and key in ("graphs", "measures"):
            lines.append(f"  {compact(key)}: {{")
            inner = list(value.items())
            for j, (name, entry) in enumerate(inner):
                sep = "," if j + 1 < len(inner) else ""
                lines.append(f"    {compact(name)}: {compact(entry)}{sep}")
            lines.append(f"  }}{end}")
        else:
            lines.append(f"  {compact(key)}: {compact(value)}{end}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    # NetworkX iterates over sets of node ids in places (harmonic_centrality's sources), so
    # the last bits of sums follow string hashing: fix it, for files that reproduce exactly.
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    if nx.__version__ != NETWORKX_VERSION:
        sys.exit(f"networkx {nx.__version__} found, {NETWORKX_VERSION} required")
    out_dir = FIXTURES / "reference"
    out_dir.mkdir(exist_ok=True)
    for dataset in sys.argv[1:] or DATASETS:
        path = out_dir / f"{dataset}.json"
        text = dump(reference(dataset))
        json.loads(text)  # well-formed
        path.write_text(text, encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {len(text.encode()) // 1024} KiB")


if __name__ == "__main__":
    main()
