using static HybridAD.Scalar;

namespace HybridAD.Tests.ADTests;

/// <summary><see cref="AD.Derivative"/>: f′ of f : ℝ → ℝ by forward mode.</summary>
public class DerivativeTests
{
    [Fact]
    public void Polynomial_AndComposition_MatchTheAnalyticDerivative()
    {
        // f(x) = 3x⁴ − 2x + 7: f′ = 12x³ − 2
        Func<Scalar, Scalar> f = x => 3 * x * x * x * x - 2 * x + 7;
        foreach (double x in new[] { -2.0, -0.5, 0.0, 1.0, 3.25 })
            Approx.Rel(12 * x * x * x - 2, AD.Derivative(f)(x).Value, 1e-14, $"f′({x})");

        // g(x) = sin(x²)·eˣ / (1 + x²): g′ = [2x cos(x²) eˣ + sin(x²) eˣ](1+x²)⁻¹ − sin(x²) eˣ 2x (1+x²)⁻²
        Func<Scalar, Scalar> g = x => Sin(x * x) * Exp(x) / (1 + x * x);
        foreach (double x in new[] { -1.7, 0.3, 2.2 })
        {
            double s = Math.Sin(x * x), c = Math.Cos(x * x), e = Math.Exp(x), q = 1 + x * x;
            Approx.Rel((2 * x * c * e + s * e) / q - s * e * 2 * x / (q * q), AD.Derivative(g)(x).Value, 1e-12, $"g′({x})");
        }
    }

    [Fact]
    public void ReturnsAFunction_ThatCanBeCalledManyTimes()
    {
        var dsin = AD.Derivative(Sin);
        for (int i = 0; i < 100; i++)
        {
            double x = -3 + 0.06 * i;
            Assert.Equal(Math.Cos(x), dsin(x).Value);
        }
    }

    [Fact]
    public void FunctionIgnoringItsInput_HasDerivativeZero()
    {
        Assert.Equal(0.0, AD.Derivative(_ => 42.0)(1.0).Value);
        Assert.Equal(0.0, AD.Derivative(x => Sin(1.0) + 0 * 0)(3.0).Value);
        Assert.Equal(1.0, AD.Derivative(x => x)(7.0).Value);
        // x − x is identically 0 and its derivative is exactly 0
        Assert.Equal(0.0, AD.Derivative(x => x - x)(7.0).Value);
    }

    [Fact]
    public void AgreesWithReverseMode_OnAFunctionWithFanOut()
    {
        // x used many times (fan-out): adjoints accumulate with +=, tangents with the sum rule.
        Func<Scalar, Scalar> f = x =>
        {
            Scalar acc = 0;
            for (int k = 1; k <= 20; k++) acc += Sin(k * x) / k;
            return acc * x;
        };
        const double x0 = 0.7;
        double expected = 0;
        for (int k = 1; k <= 20; k++) expected += Math.Sin(k * x0) / k + x0 * Math.Cos(k * x0);
        Approx.Rel(expected, AD.Derivative(f)(x0).Value, 1e-13);
        Approx.Rel(expected, AD.Grad(x => f(x[0]), [x0])[0], 1e-13);
    }

    [Fact]
    public void NullFunction_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => AD.Derivative(null!));
    }
}
