using HybridAD;

namespace HybridAD.Tests.Tensors;

public class SmokeTests
{
    internal static Scalar Rosen(Tensor x)
    {
        Tensor a = x[..^1], b = x[1..];
        Tensor t = b - Tensor.Square(a);
        Tensor u = 1.0 - a;
        return Tensor.Sum(100.0 * Tensor.Square(t) + Tensor.Square(u));
    }

    [Fact]
    public void Rosenbrock_Oracles()
    {
        int n = 100_000;
        Tensor x = Tensor.Generate(n, i => 0.5 + 0.1 * Math.Sin(i));
        var (v, g) = TensorAD.ValueAndGrad(Rosen, x);
        Assert.Equal(671842.129343497, v.Value, 1e-6);
        double s = 0;
        foreach (double gi in g.ToArray()) s += gi;
        Assert.Equal(-8071.38005747116, s, 1e-7);
    }
}
