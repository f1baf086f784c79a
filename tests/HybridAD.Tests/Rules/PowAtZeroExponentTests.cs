using HybridAD;
using HybridAD.Checking;
using static HybridAD.Scalar;

namespace HybridAD.Tests.Rules;

/// <summary>
/// Found by the property suite (HessianIsSymmetricAndMatchesDifferencesOfTheGradient, shrunk to
/// pow((x0 + 3), (-x0 - 1.88)) at x0 = −1.88): the partial ∂(aᵇ)/∂a = b·a^(b−1) was replaced by a constant 0
/// whenever b = 0, which is right for its value but drops its derivative in b (a^(b−1)), so every second
/// derivative through pow at an exponent of exactly 0 was wrong.
/// </summary>
public class PowAtZeroExponentTests
{
    [Fact]
    public void SecondDerivativesThroughPowAtExponentZero()
    {
        // ∂²(aᵇ)/∂a∂b = a^(b−1)·(1 + b·log a) = 1/a at b = 0.
        double[,] h = AD.Hessian(x => Pow(x[0], x[1]), [2.0, 0.0]);
        Assert.Equal(0.5, h[0, 1], 14);
        Assert.Equal(0.5, h[1, 0], 14);
        Assert.Equal(0.0, h[0, 0], 14);                         // b(b−1)a^(b−2) = 0
        Assert.Equal(Math.Log(2) * Math.Log(2), h[1, 1], 14);    // aᵇ·log²a = log²2

        // The shrunk counterexample: f(x) = (x + 3)^(−x − 1.88) at x = −1.88, against finite differences of f′.
        Func<Scalar, Scalar> f = x => Pow(x + 3, -x - 1.88);
        double second = AD.Derivative(AD.Derivative(f))(-1.88).Value;
        double reference = FiniteDifferences.Derivative(AD.Derivative(f), -1.88, FiniteDifferenceOptions.Richardson);
        Assert.Equal(reference, second, 9);
        Assert.True(Checker.CheckDerivative(AD.Derivative(f), -1.88,
            CheckOptions.Default with { Differences = FiniteDifferenceOptions.Richardson }).Passed);
    }

    [Fact]
    public void FirstDerivativeAtZeroBaseAndExponentStaysZeroNotNaN()
    {
        double[] g = AD.Grad(x => Pow(x[0], x[1]), [0.0, 0.0]);
        Assert.Equal(0.0, g[0]);
        Assert.Equal(0.0, g[1]);
    }
}
