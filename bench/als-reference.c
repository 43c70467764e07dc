/*
 * Compiled reference for the ALS speed target: the same conjugate-gradient
 * half-step as shared/math/als-step.ts (float32 factors, float64 CG vectors,
 * 3 CG steps, YᵀY once per half), single-threaded, so the TypeScript time per
 * iteration can be compared at equal factors and threads.
 *   gcc -O3 -march=native -o /tmp/als-ref bench/als-reference.c -lm
 *   /tmp/als-ref <csr.bin> <factors> <iterations>
 * csr.bin: int32 rows, cols, nnz; int32 indptr[rows+1]; int32 indices[nnz]
 * (written by bench/als-reference-dump.ts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { int rows, cols, nnz; int *indptr, *indices; } Csr;

static Csr transpose(const Csr *m) {
  Csr t = { m->cols, m->rows, m->nnz, calloc(m->cols + 1, 4), malloc(4 * (size_t)m->nnz) };
  for (int q = 0; q < m->nnz; q++) t.indptr[m->indices[q] + 1]++;
  for (int c = 0; c < m->cols; c++) t.indptr[c + 1] += t.indptr[c];
  int *next = malloc(4 * (size_t)m->cols);
  memcpy(next, t.indptr, 4 * (size_t)m->cols);
  for (int r = 0; r < m->rows; r++)
    for (int q = m->indptr[r]; q < m->indptr[r + 1]; q++) t.indices[next[m->indices[q]]++] = r;
  free(next);
  return t;
}

static void gram(const float *Y, int rows, int f, double *g) {
  memset(g, 0, sizeof(double) * f * f);
  for (int r = 0; r < rows; r++)
    for (int a = 0; a < f; a++) {
      double va = Y[r * f + a];
      for (int b = a; b < f; b++) g[a * f + b] += va * Y[r * f + b];
    }
  for (int a = 0; a < f; a++) for (int b = a + 1; b < f; b++) g[b * f + a] = g[a * f + b];
}

static void half(const Csr *m, float *X, const float *Y, const double *yty, int f, double lam, double a0, double conf, int steps) {
  double *r = malloc(8 * f), *p = malloc(8 * f), *ap = malloc(8 * f);
  for (int u = 0; u < m->rows; u++) {
    float *x = X + (size_t)u * f;
    for (int k = 0; k < f; k++) p[k] = x[k];
    for (int a = 0; a < f; a++) {
      double acc = 0;
      for (int b = 0; b < f; b++) acc += yty[a * f + b] * p[b];
      r[a] = -(a0 * acc + lam * p[a]);
    }
    for (int q = m->indptr[u]; q < m->indptr[u + 1]; q++) {
      const float *y = Y + (size_t)m->indices[q] * f;
      double yx = 0;
      for (int k = 0; k < f; k++) yx += y[k] * p[k];
      double w = conf - (conf - a0) * yx;
      for (int k = 0; k < f; k++) r[k] += w * y[k];
    }
    double rs = 0;
    for (int k = 0; k < f; k++) { p[k] = r[k]; rs += r[k] * r[k]; }
    if (rs < 1e-20) continue;
    for (int it = 0; it < steps; it++) {
      for (int a = 0; a < f; a++) {
        double acc = 0;
        for (int b = 0; b < f; b++) acc += yty[a * f + b] * p[b];
        ap[a] = a0 * acc + lam * p[a];
      }
      for (int q = m->indptr[u]; q < m->indptr[u + 1]; q++) {
        const float *y = Y + (size_t)m->indices[q] * f;
        double yp = 0;
        for (int k = 0; k < f; k++) yp += y[k] * p[k];
        double w = (conf - a0) * yp;
        for (int k = 0; k < f; k++) ap[k] += w * y[k];
      }
      double pap = 0;
      for (int k = 0; k < f; k++) pap += p[k] * ap[k];
      double al = rs / pap, rn = 0;
      for (int k = 0; k < f; k++) { x[k] += al * p[k]; r[k] -= al * ap[k]; rn += r[k] * r[k]; }
      if (rn < 1e-20) break;
      for (int k = 0; k < f; k++) p[k] = r[k] + rn / rs * p[k];
      rs = rn;
    }
  }
  free(r); free(p); free(ap);
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: als-ref csr.bin factors iterations\n"); return 2; }
  FILE *fp = fopen(argv[1], "rb");
  if (!fp) { perror(argv[1]); return 1; }
  int hdr[3];
  if (fread(hdr, 4, 3, fp) != 3) return 1;
  Csr m = { hdr[0], hdr[1], hdr[2], malloc(4 * (size_t)(hdr[0] + 1)), malloc(4 * (size_t)hdr[2]) };
  if (fread(m.indptr, 4, m.rows + 1, fp) != (size_t)m.rows + 1 || fread(m.indices, 4, m.nnz, fp) != (size_t)m.nnz) return 1;
  fclose(fp);
  int f = atoi(argv[2]), iters = atoi(argv[3]);
  Csr t = transpose(&m);
  float *X = malloc(4 * (size_t)m.rows * f), *Y = malloc(4 * (size_t)m.cols * f);
  srand(1);
  for (size_t k = 0; k < (size_t)m.rows * f; k++) X[k] = 0.01f * (rand() / (float)RAND_MAX - 0.5f);
  for (size_t k = 0; k < (size_t)m.cols * f; k++) Y[k] = 0.01f * (rand() / (float)RAND_MAX - 0.5f);
  double *g = malloc(8 * (size_t)f * f);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int it = 0; it < iters; it++) {
    gram(Y, m.cols, f, g);
    half(&m, X, Y, g, f, 0.01, 1.0, 2.0, 3);
    gram(X, m.rows, f, g);
    half(&t, Y, X, g, f, 0.01, 1.0, 2.0, 3);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  printf("{\"rows\":%d,\"cols\":%d,\"nnz\":%d,\"factors\":%d,\"secPerIteration\":%.4f}\n", m.rows, m.cols, m.nnz, f, s / iters);
  return 0;
}
