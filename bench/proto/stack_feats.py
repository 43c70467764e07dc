"""Per-(user, item) features of the base scorers for the stacking prototype."""
import numpy as np
from stack_common import NU, NI, load_mat, als_scores, ease_scores, uknn_scores, rp3_scores, zrow


def ranks(S, fit):
    """0-based rank of each item among the user's unseen items (seen items get NI)."""
    S = np.where(fit > 0, -np.inf, S)
    o = np.argsort(-S, axis=1, kind='stable')
    r = np.empty_like(o)
    r[np.arange(NU)[:, None], o] = np.arange(NI)[None, :]
    return r.astype(np.float32)


def zunseen(S, fit):
    """z-score per user over the unseen items."""
    m = fit == 0
    cnt = m.sum(1, keepdims=True)
    mu = (S * m).sum(1, keepdims=True) / cnt
    sd = np.sqrt((((S - mu) ** 2) * m).sum(1, keepdims=True) / cnt) + 1e-12
    return ((S - mu) / sd).astype(np.float32)


def bases(d, name, X, lam, seeds=(42,)):
    out = {}
    out['als'] = np.mean([als_scores(d, name, s) for s in seeds], axis=0)
    out['ease'] = ease_scores(X, lam)
    out['uknn'] = uknn_scores(X, 50)
    out['rp3'] = rp3_scores(X)
    return out


def features(X, B):
    """Dict of (NU, NI) float32 feature matrices from base scores B on fit matrix X."""
    F = {}
    pop = X.sum(0)
    act = X.sum(1)
    for k, S in B.items():
        F[k + '_z'] = zunseen(S, X)
        F[k + '_lr'] = -np.log1p(ranks(S, X))
    lp = np.log1p(pop).astype(np.float32)
    F['lpop'] = np.broadcast_to((lp - lp.mean()) / lp.std(), (NU, NI)).astype(np.float32)
    la = np.log1p(act).astype(np.float32)
    F['lact'] = np.broadcast_to(((la - la.mean()) / la.std())[:, None], (NU, NI)).astype(np.float32)
    return F


def candidates(B, X, c=50, keys=('als', 'ease')):
    m = np.zeros((NU, NI), dtype=bool)
    for k in keys:
        S = np.where(X > 0, -np.inf, B[k])
        top = np.argpartition(-S, c, axis=1)[:, :c]
        m[np.arange(NU)[:, None], top] = True
    return m
