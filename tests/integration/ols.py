# Ordinary least squares (normal equations on standardised columns, in double) fitted on a CSV's
# training file, printing its mean squared error on a test file: the baseline zenn's defaults must reach.
# Usage: ols.py TRAIN.csv TEST.csv (the last column is the target).
import csv, sys
def load(p):
    r=list(csv.reader(open(p)))[1:]
    return [[1.0]+[float(v) for v in x[:-1]] for x in r], [float(x[-1]) for x in r]
X,y=load(sys.argv[1]); Xt,yt=load(sys.argv[2])
n=len(X[0])
# standardise columns for conditioning
mu=[sum(r[j] for r in X)/len(X) for j in range(n)]
sd=[ (sum((r[j]-mu[j])**2 for r in X)/len(X))**0.5 or 1.0 for j in range(n)]
mu[0]=0; sd[0]=1
S=lambda r:[(r[j]-mu[j])/sd[j] for j in range(n)]
Xs=[S(r) for r in X]; Xts=[S(r) for r in Xt]
A=[[sum(r[i]*r[j] for r in Xs)+(1e-8 if i==j else 0) for j in range(n)] for i in range(n)]
b=[sum(r[i]*t for r,t in zip(Xs,y)) for i in range(n)]
# gaussian elimination
for c in range(n):
    p=max(range(c,n),key=lambda k:abs(A[k][c])); A[c],A[p]=A[p],A[c]; b[c],b[p]=b[p],b[c]
    for k in range(c+1,n):
        f=A[k][c]/A[c][c]
        for j in range(c,n): A[k][j]-=f*A[c][j]
        b[k]-=f*b[c]
w=[0]*n
for c in reversed(range(n)):
    w[c]=(b[c]-sum(A[c][j]*w[j] for j in range(c+1,n)))/A[c][c]
mse=sum((sum(a*b for a,b in zip(r,w))-t)**2 for r,t in zip(Xts,yt))/len(yt)
print("%.6g"%mse)
