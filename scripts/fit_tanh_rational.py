#!/usr/bin/env python3
"""Fits tanh(x) ~ x P(x^2) / Q(x^2) on [0, C] for the relative error, the
rational form behind ZN_TANHR_* in src/kernels/vmath_consts.h.

Linearised least squares (Sanathanan-Koerner: each pass divides by the last
pass's Q) on a Chebyshev grid, with Lawson weights pushing towards the
minimax error, in mpmath at 40 digits. Prints the fit error, the error with
the coefficients rounded to float (exact arithmetic), and the coefficients
rounded to float and to double.

    python3 scripts/fit_tanh_rational.py 7 4 9    # P: 7 coefficients, Q: 4 (Q(0) = 1), C = 9
"""
import mpmath as mp, struct, math, sys
mp.mp.dps = 40
NP, NQ = int(sys.argv[1]), int(sys.argv[2])   # number of coefficients of P and of Q (q0 = 1)
C = mp.mpf(sys.argv[3])
N = 600
xs = [C * (1 - mp.cos(mp.pi * (i + 0.5) / N)) / 2 for i in range(N)]
xs = [x for x in xs if x > mp.mpf('1e-6')]
ts = [mp.tanh(x) for x in xs]
def evalPQ(c, x):
    z = x * x
    P = sum(c[k] * z**k for k in range(NP))
    Q = 1 + sum(c[NP + k] * z**(k + 1) for k in range(NQ - 1))
    return x * P / Q, Q
lw = [mp.mpf(1)] * len(xs)
Qprev = [mp.mpf(1)] * len(xs)
c = None
for it in range(40):
    A = mp.matrix(len(xs), NP + NQ - 1); b = mp.matrix(len(xs), 1)
    for i, x in enumerate(xs):
        z = x * x; w = mp.sqrt(lw[i]) / (ts[i] * Qprev[i])
        for k in range(NP): A[i, k] = w * x * z**k
        for k in range(NQ - 1): A[i, NP + k] = -w * ts[i] * z**(k + 1)
        b[i] = w * ts[i]
    sol, res = mp.qr_solve(A, b)
    c = [sol[k] for k in range(NP + NQ - 1)]
    errs = []
    for i, x in enumerate(xs):
        y, Q = evalPQ(c, x); Qprev[i] = Q
        errs.append(abs(y - ts[i]) / ts[i])
    m = max(errs)
    s = sum(lw[i] * errs[i] for i in range(len(xs)))
    lw = [lw[i] * errs[i] / s * len(xs) for i in range(len(xs))]
    print(it, mp.nstr(m, 5), file=sys.stderr)
def f32(v): return struct.unpack('f', struct.pack('f', float(v)))[0]
cf = [f32(v) for v in c]
worst = 0
for i in range(20001):
    x = float(C) * i / 20000 + 1e-7
    y, _ = evalPQ([mp.mpf(v) for v in cf], mp.mpf(x))
    worst = max(worst, abs(y - mp.tanh(x)) / mp.tanh(x))
print('float-coefficient error', mp.nstr(worst, 4))
for k, v in enumerate(cf):
    name = ('P%d' % k) if k < NP else ('Q%d' % (k - NP + 1))
    print(name, 'float', float.hex(v), 'double', float.hex(float(c[k])))
