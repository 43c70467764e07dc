# How much does "what was popular while the user was active" add to ALS on validation? (timestamps of train rows only)
import sys, time, json
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
    X, Y = ials(F)
    A = zs(X @ Y.T)
    tmin = np.full(nu, np.inf); tmax = np.full(nu, -np.inf)
    np.minimum.at(tmin, u, t); np.maximum.at(tmax, u, t)
    tmed = np.zeros(nu)
    for uu in range(nu):
        tmed[uu] = np.median(t[u == uu])
    # item daily histogram
    d0 = t.min(); days = int(t.max() - d0) + 2
    H = np.zeros((ni, days)); np.add.at(H, (i, (t - d0).astype(int)), 1)
    C = np.cumsum(H, 1)
    pop = H.sum(1)
    for w in (3, 7, 14, 30, 60):
        lo = np.clip((tmin - d0 - w).astype(int), 0, days - 1); hi = np.clip((tmax - d0 + w).astype(int), 0, days - 1)
        cnt = C[:, hi].T - C[:, lo].T  # users x items
        # share of the item's ratings in the user's window, and count
        feat = np.log1p(cnt)
        Fz = zs(feat)
        for beta in (0.05, 0.1, 0.2, 0.4):
            res.setdefault(('cnt', w, beta), []).append(ndcg10(F, V, A + beta * Fz))
    # started-before: item's first train rating before user's last activity
    first = np.full(ni, np.inf); np.minimum.at(first, i, t)
    avail = (first[None, :] <= tmax[:, None] + 1).astype(float)
    res.setdefault(('avail',), []).append(ndcg10(F, V, np.where(avail > 0, A, A - 100)))
    res.setdefault(('base',), []).append(ndcg10(F, V, A))
    print(s, 'done', flush=True)
for k, v in sorted(res.items(), key=lambda kv: -np.mean(kv[1])):
    print(k, 'val %.4f' % np.mean(v), flush=True)
