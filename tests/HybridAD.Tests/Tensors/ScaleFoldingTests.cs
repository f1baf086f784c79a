using HybridAD;
using HybridAD.Tensors.Lazy;
using static HybridAD.Tests.Tensors.TensorCheck;

namespace HybridAD.Tests.Tensors;

/// <summary>Products with a finite nonzero constant are one pending scaling node: further constant factors and
/// negations fold into it, a constant times a constant is a constant, and the values (and the strong zero of
/// derivative products) are those of the unfolded expression.</summary>
public class ScaleFoldingTests
{
    [Fact]
    public void Constant_Factors_And_Negations_Fold_Into_One_Scaling_Node()
    {
        Tensor x = Tensor.Generate(1000, i => Math.Sin(i) * 3);
        Tensor y = -(3.0 * (x * 2.0));
        Assert.False(y.Values.IsStored);
        var node = Assert.IsType<ScaleNode>(y.Values.Node);
        Assert.Equal(-6.0, node.Scale);
        Assert.Same(x.Values, node.Inputs[0]);
        double[] xs = x.ToArray(), ys = y.ToArray();
        for (int i = 0; i < xs.Length; i++) Close(-6 * xs[i], ys[i], 1e-15, $"y[{i}]");
        // A negation of a pending expression absorbs a factor as (−c)·x.
        Tensor z = (-Tensor.Exp(x)) * 0.5;
        var zn = Assert.IsType<ScaleNode>(z.Values.Node);
        Assert.Equal(-0.5, zn.Scale);
        double[] zs = z.ToArray();
        for (int i = 0; i < xs.Length; i++) Close(-0.5 * Math.Exp(xs[i]), zs[i], 1e-15, $"z[{i}]");
    }

    [Fact]
    public void Constant_Times_Constant_Is_A_Constant_With_The_Strong_Zero()
    {
        Assert.True((Tensor.Full(2, 7) * Tensor.Full(3, 7)).Values.TryGetConst(out double c));
        Assert.Equal(6.0, c);
        Assert.True(Tensor.MulZ(Tensor.Full(-2, 5), Tensor.Full(4, 5)).Values.TryGetConst(out c));
        Assert.Equal(-8.0, c);
        // The strong product: 0·∞ = 0; the plain product: NaN.
        Assert.True(Tensor.MulZ(Tensor.Full(0, 5), Tensor.Full(double.PositiveInfinity, 5)).Values.TryGetConst(out c));
        Assert.Equal(0.0, c);
        Assert.True((Tensor.Full(0, 5) * Tensor.Full(double.PositiveInfinity, 5)).Values.TryGetConst(out c));
        Assert.True(double.IsNaN(c));
    }

    [Fact]
    public void Scaling_Keeps_Infinities_And_Zeros_Of_The_Scaled_Values()
    {
        Tensor x = Tensor.Vector(0.0, -0.0, double.PositiveInfinity, double.NaN, 1e300, 2.5);
        double[] y = (x * -4.0).ToArray();
        Assert.Equal([-0.0, 0.0, double.NegativeInfinity, double.NaN, -4e300, -10.0], y);
        // Folding never produces an overflowed or zero factor: (x·1e300)·1e300 keeps two nodes, same values.
        double[] big = ((x * 1e300) * 1e300).ToArray();
        Assert.Equal(double.PositiveInfinity, big[5]);
    }

    [Fact]
    public void Gradients_Through_Scaled_Expressions_Are_Exact()
    {
        // f = Σ −3·(2x)² ⇒ ∇f = −24x; Hvp = −24v.
        Tensor x = Tensor.Generate(777, i => Math.Cos(i)), v = Tensor.Generate(777, i => Math.Sin(i));
        double[] g = TensorAD.Grad(t => Tensor.Sum(-3.0 * Tensor.Square(t * 2.0)), x).ToArray();
        double[] hv = TensorAD.Hvp(t => Tensor.Sum(-3.0 * Tensor.Square(t * 2.0)), x, v).ToArray();
        double[] xs = x.ToArray(), vs = v.ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            Close(-24 * xs[i], g[i], 1e-14, $"g[{i}]");
            Close(-24 * vs[i], hv[i], 1e-14, $"hv[{i}]");
        }
    }
}
