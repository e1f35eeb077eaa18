#!/usr/bin/env python3
"""Rational fits for the relative error, made for zenn's vector kernels:

    tanh(x)  ~ x P(x^2) / Q(x^2)   on [0, C]  (ZN_TANHR_* in src/kernels/vmath_consts.h,
                                               tanh_fann in src/fann/fnet_run.c)
    atanh(d) ~ d P(d^2) / Q(d^2)   on [0, C]  (tanh_err_small16 in src/kernels/avx512/fann_avx512.c)

Linearised least squares (Sanathanan-Koerner: each pass divides by the last
pass's Q) on a Chebyshev grid, with Lawson weights pushing towards the
minimax error, in mpmath at 40 digits; Q(0) = 1. Prints the fit error, the
error with the coefficients rounded to float (exact arithmetic), and the
coefficients rounded to float and to double.

    python3 scripts/fit_rational.py tanh 7 4 9      # P: 7 coefficients, Q: 4, C = 9
    python3 scripts/fit_rational.py tanh 8 5 9.5
    python3 scripts/fit_rational.py atanh 3 3 0.5
"""
import struct
import sys

import mpmath as mp

mp.mp.dps = 40
FN, NP, NQ, C = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), mp.mpf(sys.argv[4])
F = {'tanh': mp.tanh, 'atanh': mp.atanh}[FN]
N = 600
xs = [C * (1 - mp.cos(mp.pi * (i + 0.5) / N)) / 2 for i in range(N)]
xs = [x for x in xs if x > mp.mpf('1e-6')]
ts = [F(x) / x for x in xs]  # the even function R(x^2) = F(x) / x to fit


def evalPQ(c, x):
    z = x * x
    P = sum(c[k] * z**k for k in range(NP))
    Q = 1 + sum(c[NP + k] * z**(k + 1) for k in range(NQ - 1))
    return P / Q, Q


lw = [mp.mpf(1)] * len(xs)
Qprev = [mp.mpf(1)] * len(xs)
for it in range(40):
    A = mp.matrix(len(xs), NP + NQ - 1)
    b = mp.matrix(len(xs), 1)
    for i, x in enumerate(xs):
        z = x * x
        w = mp.sqrt(lw[i]) / (ts[i] * Qprev[i])
        for k in range(NP):
            A[i, k] = w * z**k
        for k in range(NQ - 1):
            A[i, NP + k] = -w * ts[i] * z**(k + 1)
        b[i] = w * ts[i]
    sol, res = mp.qr_solve(A, b)
    c = [sol[k] for k in range(NP + NQ - 1)]
    errs = []
    for i, x in enumerate(xs):
        y, Q = evalPQ(c, x)
        Qprev[i] = Q
        errs.append(abs(y - ts[i]) / ts[i])
    s = sum(lw[i] * errs[i] for i in range(len(xs)))
    lw = [lw[i] * errs[i] / s * len(xs) for i in range(len(xs))]
print('fit error', mp.nstr(max(errs), 4))


def f32(v):
    return struct.unpack('f', struct.pack('f', float(v)))[0]


cf = [f32(v) for v in c]
worst = 0
for i in range(1, 20001):
    x = mp.mpf(float(C) * i / 20000)
    y, _ = evalPQ([mp.mpf(v) for v in cf], x)
    worst = max(worst, abs(y - F(x) / x) / (F(x) / x))
print('float-coefficient error', mp.nstr(worst, 4))
for k, v in enumerate(cf):
    name = ('P%d' % k) if k < NP else ('Q%d' % (k - NP + 1))
    print(name, 'float', float.hex(v), 'double', float.hex(float(c[k])))
