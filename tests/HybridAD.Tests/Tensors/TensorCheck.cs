using HybridAD;

namespace HybridAD.Tests.Tensors;

/// <summary>
/// Derivative checks for tensor functions: the Jacobian by every strategy (forward and reverse, k directions per
/// sweep and one), against central finite differences, and the adjoint identity ⟨u, J v⟩ = ⟨Jᵀ u, v⟩.
/// </summary>
internal static class TensorCheck
{
    internal static Tensor Random(Random rng, double lo, double hi, params int[] shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng.NextDouble();
        return Tensor.FromArray(v, shape);
    }

    internal static void Close(double expected, double actual, double rel, string what)
    {
        double scale = Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= rel * scale || (double.IsNaN(expected) && double.IsNaN(actual)),
            $"{what}: expected {expected:R}, got {actual:R} (diff {Math.Abs(expected - actual):E3}, tol {rel * scale:E3})");
    }

    internal static void AllClose(double[] expected, double[] actual, double rel, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], rel, $"{what}[{i}]");
    }

    /// <summary>Jacobian (m × n, flattened) by central differences.</summary>
    internal static double[] FiniteDifferenceJacobian(Func<Tensor, Tensor> f, Tensor x, out int m)
    {
        double[] x0 = x.ToArray();
        int n = x0.Length;
        double[] y0 = f(x).ToArray();
        m = y0.Length;
        var jac = new double[m * n];
        int[] shape = x.Shape.ToArray();
        for (int j = 0; j < n; j++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(x0[j]));
            var xp = (double[])x0.Clone();
            var xm = (double[])x0.Clone();
            xp[j] += h;
            xm[j] -= h;
            double[] yp = f(Tensor.FromArray(xp, shape)).ToArray();
            double[] ym = f(Tensor.FromArray(xm, shape)).ToArray();
            for (int i = 0; i < m; i++) jac[i * n + j] = (yp[i] - ym[i]) / (2 * h);
        }
        return jac;
    }

    /// <summary>Checks every derivative strategy of f at x against each other and against finite differences.</summary>
    internal static void Rule(string name, Func<Tensor, Tensor> f, Tensor x, double fdTol = 2e-6, int seed = 7)
    {
        var rng = new Random(seed);
        double[] fd = FiniteDifferenceJacobian(f, x, out int m);
        int n = x.Length;
        Tensor jf = TensorAD.Jacobian(f, x, JacobianMode.Forward);
        Tensor jr = TensorAD.Jacobian(f, x, JacobianMode.Reverse);
        Tensor jf1 = TensorAD.Jacobian(f, x, JacobianMode.Forward, blockSize: 1);
        Tensor jr1 = TensorAD.Jacobian(f, x, JacobianMode.Reverse, blockSize: 1);
        Tensor jf2 = TensorAD.Jacobian(f, x, JacobianMode.Forward, blockSize: 2);
        Assert.Equal(m * n, jf.Length);
        AllClose(fd, jf.ToArray(), fdTol, $"{name}: forward Jacobian vs finite differences");
        AllClose(jf.ToArray(), jr.ToArray(), 1e-12, $"{name}: reverse = forward");
        AllClose(jf.ToArray(), jf1.ToArray(), 1e-12, $"{name}: forward k=1 = forward k=n");
        AllClose(jf.ToArray(), jr1.ToArray(), 1e-12, $"{name}: reverse k=1 = forward");
        AllClose(jf.ToArray(), jf2.ToArray(), 1e-12, $"{name}: forward k=2 = forward");

        // The adjoint identity with random directions: ⟨u, J v⟩ = ⟨Jᵀ u, v⟩.
        Tensor v = Random(rng, -1, 1, x.Shape.ToArray());
        var (y, jv) = TensorAD.Jvp(f, x, v);
        var (y2, pullback) = TensorAD.Vjp(f, x);
        AllClose(y.ToArray(), y2.ToArray(), 0, $"{name}: Jvp and Vjp values");
        Tensor u = Random(rng, -1, 1, y.Shape.ToArray());
        Tensor ju = pullback(u);
        double lhs = Dot(u.ToArray(), jv.ToArray()), rhs = Dot(ju.ToArray(), v.ToArray());
        Close(lhs, rhs, 1e-12, $"{name}: adjoint identity ⟨u, Jv⟩ = ⟨Jᵀu, v⟩");
        Assert.Equal(x.Shape.ToArray(), ju.Shape.ToArray());
        Assert.Equal(y.Shape.ToArray(), jv.Shape.ToArray());
    }

    /// <summary>Second order: the Hessian of s(x) = ⟨w, f(x)⟩ by reverse-over-reverse equals finite differences of
    /// the gradient, and Hvp (forward-over-reverse) equals H·v.</summary>
    internal static void SecondOrder(string name, Func<Tensor, Tensor> f, Tensor x, double fdTol = 2e-5, int seed = 11)
    {
        var rng = new Random(seed);
        Tensor y0 = f(x);
        Tensor w = Random(rng, -1, 1, y0.Shape.ToArray());
        Func<Tensor, Scalar> s = t => Tensor.Sum(f(t) * w);
        Tensor h = TensorAD.Hessian(s, x);
        int n = x.Length;
        double[] fd = FiniteDifferenceJacobian(t => TensorAD.Grad(s, t), x, out _);
        AllClose(fd, h.ToArray(), fdTol, $"{name}: Hessian vs finite differences of the gradient");
        Tensor h1 = TensorAD.Hessian(s, x, blockSize: 1);
        AllClose(h.ToArray(), h1.ToArray(), 1e-11, $"{name}: Hessian k=1 = k=n");
        Tensor v = Random(rng, -1, 1, x.Shape.ToArray());
        double[] hv = TensorAD.Hvp(s, x, v).ToArray();
        double[] hd = h.ToArray(), vd = v.ToArray();
        var expected = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) expected[i] += hd[i * n + j] * vd[j];
        AllClose(expected, hv, 1e-10, $"{name}: Hvp = H·v");
    }

    internal static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
