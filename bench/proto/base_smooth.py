# ALS on a co-occurrence-smoothed matrix: R' = R + g * topk-normalised (R S), S = cosine item-item, soft positives.
import sys, time, json
sys.path.insert(0, __import__('os').path.dirname(__file__))
from base_common import *
from base_ials import ials
by = sys.argv[1]
tr, te, nu, ni = load_split(f'/tmp/h8/ml-{by}.tsv')
vs = val_splits(tr, by, nu, ni)
for g, k in [(0.3, 20), (0.1, 50)]:
    m = []
    for _, F, V in vs:
        B = (F > 0).astype(np.float64)
        n = np.sqrt(np.asarray(B.sum(0)).ravel()) + 1e-9
        S = (B.T @ B).toarray() / n[:, None] / n[None, :]
        np.fill_diagonal(S, 0)
        P = np.asarray(B @ S)
        P[B.nonzero()] = -np.inf
        idx = np.argpartition(-P, k, axis=1)[:, :k]
        rows = np.repeat(np.arange(nu), k)
        vals = np.take_along_axis(P, idx, 1)
        vals = vals / (vals.max(1, keepdims=True) + 1e-9)
        soft = sp.csr_matrix((g * vals.ravel(), (rows, idx.ravel())), shape=(nu, ni))
        R2 = (B + soft).tocsr()
        # confidence = value: observed 1, soft g*v; hu form with alpha=1 on value-1?  use c = value, target 1
        X, Y = ials(R2, form='soft')
        m.append(ndcg10(F, V, X @ Y.T))
    print(g, k, 'val %.4f' % np.mean(m), ' '.join('%.4f' % x for x in m), flush=True)
