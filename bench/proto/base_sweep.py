import sys, time, json, itertools
sys.path.insert(0, __import__('os').path.dirname(__file__))
from base_common import *
from base_ials import ials
by = sys.argv[1]
configs = [json.loads(c) for c in sys.argv[2:]]
tr, te, nu, ni = load_split(f'/tmp/h8/ml-{by}.tsv')
vs = val_splits(tr, by, nu, ni)
for cfg in configs:
    t = time.time()
    m = []
    for _, F, V in vs:
        X, Y = ials(F, **cfg)
        m.append(ndcg10(F, V, X @ Y.T))
    print(json.dumps(cfg), 'val %.4f' % np.mean(m), ' '.join('%.4f' % x for x in m), '%.0fs' % (time.time() - t), flush=True)
