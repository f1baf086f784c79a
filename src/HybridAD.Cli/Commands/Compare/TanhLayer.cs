namespace HybridAD.Cli.Commands.Compare;

/// <summary>
/// The built-in Jacobian family f(x) = A·tanh(B·x): B is 64×n, A is m×64, entries uniform in [−1, 1) scaled by
/// 1/√(columns) from a fixed seed, and the point xᵢ = 0.1·cos(i), i = 0 … n − 1. Written over Scalars (one recorded
/// op per multiply and per add); its closed-form Jacobian is A·diag(1 − tanh²(B·x))·B.
/// </summary>
internal sealed class TanhLayer
{
    /// <summary>The hidden width (rows of B, columns of A).</summary>
    public const int Hidden = 64;

    /// <summary>The seed of the random entries.</summary>
    public const int Seed = 42;

    private readonly double[] _a; // m × 64, row-major
    private readonly double[] _b; // 64 × n, row-major

    public TanhLayer(int n, int m)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        N = n;
        M = m;
        var random = new Random(Seed);
        _b = new double[Hidden * n];
        double sb = 1 / Math.Sqrt(n);
        for (int i = 0; i < _b.Length; i++) _b[i] = (2 * random.NextDouble() - 1) * sb;
        _a = new double[m * Hidden];
        double sa = 1 / Math.Sqrt(Hidden);
        for (int i = 0; i < _a.Length; i++) _a[i] = (2 * random.NextDouble() - 1) * sa;
        X = new double[n];
        for (int i = 0; i < n; i++) X[i] = 0.1 * Math.Cos(i);
    }

    /// <summary>n, the input length.</summary>
    public int N { get; }

    /// <summary>m, the output length.</summary>
    public int M { get; }

    /// <summary>The point xᵢ = 0.1·cos(i).</summary>
    public double[] X { get; }

    /// <summary>f(x) = A·tanh(B·x) over Scalars.</summary>
    public Scalar[] Evaluate(Scalar[] x)
    {
        if (x.Length != N)
            throw new ArgumentException($"A·tanh(B·x): x has length {x.Length}, but B has {N} columns; expected {N}.", nameof(x));
        var t = new Scalar[Hidden];
        for (int j = 0; j < Hidden; j++)
        {
            int row = j * N;
            Scalar acc = _b[row] * x[0];
            for (int i = 1; i < N; i++) acc += _b[row + i] * x[i];
            t[j] = Scalar.Tanh(acc);
        }
        var y = new Scalar[M];
        for (int k = 0; k < M; k++)
        {
            int row = k * Hidden;
            Scalar acc = _a[row] * t[0];
            for (int j = 1; j < Hidden; j++) acc += _a[row + j] * t[j];
            y[k] = acc;
        }
        return y;
    }

    /// <summary>tanh(B·x) on doubles.</summary>
    private double[] Hiddens(double[] x)
    {
        var t = new double[Hidden];
        for (int j = 0; j < Hidden; j++)
        {
            double acc = 0;
            for (int i = 0; i < N; i++) acc += _b[j * N + i] * x[i];
            t[j] = Math.Tanh(acc);
        }
        return t;
    }

    /// <summary>f(x) on doubles.</summary>
    public double[] Primal(double[] x)
    {
        double[] t = Hiddens(x);
        var y = new double[M];
        for (int k = 0; k < M; k++)
            for (int j = 0; j < Hidden; j++) y[k] += _a[k * Hidden + j] * t[j];
        return y;
    }

    /// <summary>The closed form J = A·diag(1 − tanh²(B·x))·B at x.</summary>
    public double[,] ClosedFormJacobian(double[] x)
    {
        double[] t = Hiddens(x);
        var j = new double[M, N];
        for (int k = 0; k < M; k++)
            for (int h = 0; h < Hidden; h++)
            {
                double w = _a[k * Hidden + h] * (1 - t[h] * t[h]);
                for (int i = 0; i < N; i++) j[k, i] += w * _b[h * N + i];
            }
        return j;
    }
}
