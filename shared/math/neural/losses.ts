/** Losses of the neural model and their derivatives with respect to the logit / output. */
import { sigmoid } from './network';

/** Binary cross-entropy on a logit, computed without overflow: log(1 + e^x) − y·x. */
export function bce(logit: number, y: number): number {
  const sp = logit > 0 ? logit + Math.log1p(Math.exp(-logit)) : Math.log1p(Math.exp(logit));
  return sp - y * logit;
}

/** dBCE/dlogit = σ(x) − y. */
export function bceGrad(logit: number, y: number): number {
  return sigmoid(logit) - y;
}

/** Half squared error on the raw output (explicit ratings): ½(ŷ − y)². */
export function mse(out: number, y: number): number {
  return 0.5 * (out - y) ** 2;
}

export function mseGrad(out: number, y: number): number {
  return out - y;
}
