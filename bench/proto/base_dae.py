import sys, time, json
sys.path.insert(0, __import__('os').path.dirname(__file__))
from base_common import *
from base_multdae import multdae
by = sys.argv[1]
tr, te, nu, ni = load_split(f'/tmp/h8/ml-{by}.tsv')
vs = val_splits(tr, by, nu, ni)
for cfg in [json.loads(c) for c in sys.argv[2:]]:
    t = time.time(); m = []
    for _, F, V in vs:
        X = (F > 0).toarray()
        sc = multdae(X, **cfg)
        m.append(ndcg10(F, V, sc(X)))
    print(json.dumps(cfg), 'val %.4f' % np.mean(m), ' '.join('%.4f' % x for x in m), '%.0fs' % (time.time() - t), flush=True)
