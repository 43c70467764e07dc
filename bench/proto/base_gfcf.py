import sys, time, json
sys.path.insert(0, __import__('os').path.dirname(__file__))
from base_common import *
from scipy.sparse.linalg import svds
by = sys.argv[1]
tr, te, nu, ni = load_split(f'/tmp/h8/ml-{by}.tsv')
vs = val_splits(tr, by, nu, ni)
def gfcf(F, k, alpha, pw=0.5):
    du = np.asarray(F.sum(1)).ravel(); di = np.asarray(F.sum(0)).ravel()
    du[du == 0] = 1; di[di == 0] = 1
    Rn = sp.diags(du ** -0.5) @ F @ sp.diags(di ** -pw)
    P = (Rn.T @ Rn).toarray()
    S = F @ P
    if alpha:
        _, s, vt = svds(Rn, k=k)
        ideal = (F @ sp.diags(di ** -pw)) @ vt.T @ vt @ np.diag(di ** pw)
        S = S + alpha * ideal
    return np.asarray(S)
for k in (64, 128, 256):
  for alpha in (0, 0.3, 1.0, 3.0):
    if alpha == 0 and k > 64: continue
    m = [ndcg10(F, V, gfcf(F, k, alpha)) for _, F, V in vs]
    print(k, alpha, 'val %.4f' % np.mean(m), flush=True)
