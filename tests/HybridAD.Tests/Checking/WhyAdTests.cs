using HybridAD;
using HybridAD.Checking;

namespace HybridAD.Tests.Checking;

/// <summary>
/// The source notes' argument for AD over difference quotients: f(x) = Σ xᵢ², n = 1000, xᵢ = i. The forward
/// difference (f(x + h·e₁) − f(x))/h with h = √ε misses ∂f/∂x₁ = 2 completely — f ≈ 3.3·10⁸ has an ulp of
/// 6·10⁻⁸, larger than the change 2h ≈ 3·10⁻⁸ the step causes (the notes' rounding estimate (n³/3)·√ε is of
/// order 1–10) — while both AD modes return exactly 2.
/// </summary>
public class WhyAdTests
{
    internal static Scalar SumOfSquares(Scalar[] x)
    {
        Scalar s = 0;
        foreach (Scalar xi in x) s += xi * xi;
        return s;
    }

    internal static double[] Point()
    {
        var x = new double[1000];
        for (int i = 0; i < x.Length; i++) x[i] = i + 1;
        return x;
    }

    [Fact]
    public void ForwardDifferenceWithSqrtEpsIsFarFromTwoWhileADIsExact()
    {
        double[] x = Point();
        double h = Math.Sqrt(Math.Pow(2, -52));
        Assert.Equal(Math.Pow(2, -26), h);

        double forwardDifference = FiniteDifferences.ForwardDifference(SumOfSquares, x, 0, h);
        Assert.True(Math.Abs(forwardDifference - 2) >= 1,
            $"the forward difference should be far from 2 (off by at least 50%), got {forwardDifference:R}");
        Assert.Equal(0.0, forwardDifference); // the perturbation is lost entirely: f(x + h·e₁) rounds to f(x)

        double reverse = AD.Grad(SumOfSquares, x)[0];
        var e1 = new double[x.Length];
        e1[0] = 1;
        double forward = AD.Jvp(SumOfSquares, x.ToScalars(), e1.ToScalars()).Tangent.Value;
        Assert.Equal(2.0, reverse);
        Assert.Equal(2.0, forward);

        // The scaled central difference does better but is still only approximate.
        double central = FiniteDifferences.Jvp(SumOfSquares, x, e1);
        Assert.NotEqual(2.0, central);
        Assert.True(Math.Abs(central - 2) < 0.05, $"central difference {central:R}");
    }
}
