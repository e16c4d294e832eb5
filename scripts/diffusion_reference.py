"""Reference spreads for engine::diffusion tests, from cynetdiff (an independent implementation).

Run from crates/engine/tests/fixtures with the bench venv:
    ../../../../bench/.venv/bin/python ../../../../scripts/diffusion_reference.py  (bench/run creates the venv)
Printed: (mean, standard error) and seconds. Results quoted in
crates/engine/src/diffusion/tests.rs (spreads_on_email_eu_core_agree_with_cynetdiff).
"""
import csv, time, numpy as np, networkx as nx
from cynetdiff.utils import networkx_to_ic_model, networkx_to_lt_model
rows = list(csv.DictReader(open('email_eu_core/ties.csv')))
g = nx.DiGraph(); g.add_nodes_from(range(1005))
g.add_edges_from((int(r['source']), int(r['target'])) for r in rows if r['source'] != r['target'])
seeds = [0, 5, 17, 100, 400]
def mc(model, runs):
    model.set_seeds(seeds); tot = 0; sq = 0
    for _ in range(runs):
        model.reset_model(); model.advance_until_completion()
        k = model.get_num_activated_nodes(); tot += k; sq += k * k
    m = tot / runs; sd = (sq / runs - m * m) ** 0.5
    return m, sd / runs ** 0.5
t = time.time()
ic, mapping = networkx_to_ic_model(g, activation_prob=0.03, rng=np.random.default_rng(1))
assert all(mapping[i] == i for i in range(1005))
print("ic p=0.03", mc(ic, 1_000_000), time.time() - t)
for v in g.nodes:
    preds = list(g.predecessors(v))
    for u in preds: g[u][v]["influence"] = 1.0 / len(preds)
lt, _ = networkx_to_lt_model(g, rng=np.random.default_rng(2))
print("lt", mc(lt, 200_000), time.time() - t)
