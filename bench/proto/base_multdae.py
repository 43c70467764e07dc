"""Mult-DAE (Liang et al. 2018) in numpy: dropout -> tanh(xW1+b1) -> W2 -> log-softmax, multinomial loss.
Prototype for issue 16 (not run by tests). Full-batch Adam; float32."""
import numpy as np


def multdae(X, hidden=600, epochs=200, lr=1e-3, drop=0.5, l2=0.01, seed=42, batch=256):
    X = np.asarray(X, dtype=np.float32)
    n, m = X.shape
    rng = np.random.default_rng(seed)
    W1 = (rng.normal(size=(m, hidden)) * np.sqrt(2 / (m + hidden))).astype(np.float32)
    W2 = (rng.normal(size=(hidden, m)) * np.sqrt(2 / (m + hidden))).astype(np.float32)
    b1 = np.zeros(hidden, np.float32)
    b2 = np.zeros(m, np.float32)
    params = [W1, b1, W2, b2]
    mom = [np.zeros_like(p) for p in params]
    vel = [np.zeros_like(p) for p in params]
    step = 0
    for ep in range(epochs):
        order = rng.permutation(n)
        for s in range(0, n, batch):
            xb = X[order[s:s + batch]]
            keep = (rng.random(xb.shape) >= drop).astype(np.float32) / (1 - drop)
            xin = xb * keep
            xin = xin / np.maximum(np.linalg.norm(xin, axis=1, keepdims=True), 1e-9)
            h = np.tanh(xin @ W1 + b1)
            z = h @ W2 + b2
            z -= z.max(1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(1, keepdims=True)
            cnt = xb.sum(1, keepdims=True)
            dz = (p * cnt - xb) / len(xb)
            gW2 = h.T @ dz + l2 * W2
            gb2 = dz.sum(0)
            dh = (dz @ W2.T) * (1 - h * h)
            gW1 = xin.T @ dh + l2 * W1
            gb1 = dh.sum(0)
            step += 1
            for q, g in enumerate((gW1, gb1, gW2, gb2)):
                mom[q] = 0.9 * mom[q] + 0.1 * g
                vel[q] = 0.999 * vel[q] + 0.001 * g * g
                params[q] -= lr * (mom[q] / (1 - 0.9 ** step)) / (np.sqrt(vel[q] / (1 - 0.999 ** step)) + 1e-8)
    W1, b1, W2, b2 = params

    def score(Xin):
        Xin = np.asarray(Xin, dtype=np.float32)
        Xin = Xin / np.maximum(np.linalg.norm(Xin, axis=1, keepdims=True), 1e-9)
        return np.tanh(Xin @ W1 + b1) @ W2 + b2

    return score
