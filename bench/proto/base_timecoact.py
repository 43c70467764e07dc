# Temporal co-activity: TP(u,i) = sum_{t in T_u} sum_{s in T_i} exp(-|t-s|/h), day bins; blended with z(ALS) on validation.
import sys, os, time, json
sys.path.insert(0, __import__('os').path.dirname(__file__))
from base_common import *
from base_ials import ials
by = sys.argv[1]
tr, te, nu, ni = load_split(f'/tmp/h8/ml-{by}.tsv')
ts = timestamps()
vs = val_splits(tr, by, nu, ni)
def zs(S):
    return (S - S.mean(1, keepdims=True)) / (S.std(1, keepdims=True) + 1e-9)
res = {}
for s, (rows, F, V) in enumerate(vs):
    u, i, _ = rows
    t = np.array([ts[(a, b)] for a, b in zip(u, i)], dtype=np.float64) / 86400.0
    cache = f'/tmp/h8/als-{by}-{s}.npy'
    if os.path.exists(cache):
        S = np.load(cache)
    else:
        X, Y = ials(F); S = X @ Y.T; np.save(cache, S)
    A = zs(S)
    d0 = t.min(); days = int(t.max() - d0) + 1
    b = (t - d0).astype(int)
    U = np.zeros((nu, days)); np.add.at(U, (u, b), 1)
    H = np.zeros((ni, days)); np.add.at(H, (i, b), 1)
    dd = np.abs(np.arange(days)[:, None] - np.arange(days)[None, :])
    for h in (0.5, 2, 7, 21, 60):
        K = np.exp(-dd / h)
        TP = (U / U.sum(1, keepdims=True)) @ K @ H.T
        pop = H.sum(1)[None, :]
        for name, feat in (('log', np.log(TP + 1e-3)), ('share', np.log((TP + 1e-3) / (pop + 1)))):
            Fz = zs(feat)
            for beta in (0.1, 0.2, 0.3, 0.5):
                res.setdefault((name, h, beta), []).append(ndcg10(F, V, A + beta * Fz))
    res.setdefault(('base',), []).append(ndcg10(F, V, A))
    print(s, 'done', flush=True)
for k, v in sorted(res.items(), key=lambda kv: -np.mean(kv[1]))[:15]:
    print(k, 'val %.4f' % np.mean(v), ' '.join('%.4f' % x for x in v), flush=True)
