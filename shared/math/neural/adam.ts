/**
 * Adam (Kingma & Ba 2015) over one flat parameter vector. Embedding tables get
 * "lazy" updates: only rows that received a gradient in the batch move (their
 * moments too), as TensorFlow's LazyAdam does, so a batch costs what it touches
 * rather than the whole table.
 */
export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** L2 penalty λ·θ added to the gradient of every parameter updated. */
  l2?: number;
}

export class Adam {
  readonly m: Float64Array;
  readonly v: Float64Array;
  t = 0;
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;

  constructor(
    size: number,
    private readonly o: AdamOptions,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
    this.b1 = o.beta1 ?? 0.9;
    this.b2 = o.beta2 ?? 0.999;
    this.eps = o.epsilon ?? 1e-8;
  }

  /** Starts a step: advances the bias-correction clock once per batch. */
  tick(): void {
    this.t++;
  }

  /** Updates params[from..to) from grad[from..to) and zeroes that gradient. */
  update(params: Float64Array, grad: Float64Array, from: number, to: number): void {
    const { m, v, b1, b2, eps } = this;
    const l2 = this.o.l2 ?? 0;
    const lr = (this.o.learningRate * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    for (let k = from; k < to; k++) {
      const g = grad[k] + l2 * params[k];
      m[k] = b1 * m[k] + (1 - b1) * g;
      v[k] = b2 * v[k] + (1 - b2) * g * g;
      params[k] -= (lr * m[k]) / (Math.sqrt(v[k]) + eps);
      grad[k] = 0;
    }
  }
}
