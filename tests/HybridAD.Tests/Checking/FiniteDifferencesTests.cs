using HybridAD;
using HybridAD.Checking;
using static HybridAD.Scalar;

namespace HybridAD.Tests.Checking;

/// <summary>The finite-difference API against known derivatives: accuracy of each method, the scaled step,
/// Richardson's restart after leaving the domain, and bad input.</summary>
public class FiniteDifferencesTests
{
    private static void Near(double expected, double actual, double rel) =>
        Assert.True(Math.Abs(expected - actual) <= rel * Math.Max(1, Math.Abs(expected)),
            $"expected {expected:R}, got {actual:R} (rel err {Math.Abs(expected - actual) / Math.Max(1, Math.Abs(expected)):E2}, allowed {rel:E1})");

    [Fact]
    public void StepIsCubeRootOfEpsilonScaledByTheCoordinate()
    {
        double s = Math.Cbrt(Math.Pow(2, -52));
        Assert.Equal(s, FiniteDifferenceOptions.CentralStepScale);
        Assert.Equal(s, FiniteDifferences.Step(0.25));
        Assert.Equal(s, FiniteDifferences.Step(-1));
        Assert.Equal(1000 * s, FiniteDifferences.Step(-1000));
        Assert.Equal(1e-3 * 50, FiniteDifferences.Step(50, FiniteDifferenceOptions.RichardsonStepScale));
    }

    [Fact]
    public void CentralDerivativeOfSinIsAccurateToTheExpectedOrder()
    {
        // truncation h²/6·|f‴| + rounding ε/h, both about 4e-11 here
        double d = FiniteDifferences.Derivative(x => Sin(x), 1.0);
        Near(Math.Cos(1.0), d, 1e-9);
        Assert.NotEqual(Math.Cos(1.0), d); // a real approximation, not the exact value
    }

    [Fact]
    public void RichardsonIsFarMoreAccurateThanCentral()
    {
        Func<Scalar, Scalar> f = x => Exp(x) * Sin(3 * x);
        double exact = Math.Exp(0.7) * (Math.Sin(2.1) + 3 * Math.Cos(2.1));
        double central = FiniteDifferences.Derivative(f, 0.7);
        double richardson = FiniteDifferences.Derivative(f, 0.7, FiniteDifferenceOptions.Richardson);
        Near(exact, central, 1e-8);
        Near(exact, richardson, 1e-11);
        Assert.True(Math.Abs(richardson - exact) * 100 < Math.Abs(central - exact),
            $"Richardson error {Math.Abs(richardson - exact):E2} should be far below central {Math.Abs(central - exact):E2}");
    }

    [Fact]
    public void GradientOfWorkedExampleB()
    {
        double[] x = [1.5, 0.5];
        double[] central = FiniteDifferences.Gradient(WorkedExamplesTests.SinCos, x);
        double[] richardson = FiniteDifferences.Gradient(WorkedExamplesTests.SinCos, x, FiniteDifferenceOptions.Richardson);
        Near(3.01184332767391, central[0], 1e-8);
        Near(-13.7239615093141, central[1], 1e-8);
        Near(3.01184332767391, richardson[0], 1e-12);
        Near(-13.7239615093141, richardson[1], 1e-12);
        Assert.Equal([1.5, 0.5], x); // not mutated
    }

    [Fact]
    public void JacobianAndJvp()
    {
        Func<Scalar[], Scalar[]> f = x => [x[0] * x[1], Exp(x[0]), Atan2(x[1], x[0])];
        double[] x = [1.0, 2.0];
        double[,] j = FiniteDifferences.Jacobian(f, x, FiniteDifferenceOptions.Richardson);
        double r2 = 5;
        double[,] exact = { { 2, 1 }, { Math.E, 0 }, { -2 / r2, 1 / r2 } };
        Assert.Equal(3, j.GetLength(0));
        Assert.Equal(2, j.GetLength(1));
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 2; k++) Near(exact[i, k], j[i, k], 1e-11);

        double[] v = [0.3, -1.7];
        double[] jv = FiniteDifferences.Jvp(f, x, v);
        for (int i = 0; i < 3; i++) Near(exact[i, 0] * v[0] + exact[i, 1] * v[1], jv[i], 1e-8);
        Near(2 * 0.3 + 1 * -1.7, FiniteDifferences.Jvp(xs => xs[0] * xs[1], x, v), 1e-8);
        Assert.Equal([0.0, 0.0, 0.0], FiniteDifferences.Jvp(f, x, [0.0, 0.0]));
    }

    [Fact]
    public void TheScaledStepKeepsLargeCoordinatesAccurate()
    {
        // f = x² at x = 1e8: an absolute step of 6e-6 would change f by 1.2e3 against an ulp of 2 (error ~1e-3);
        // the relative step h = ε^(1/3)·|x| keeps the central difference exact to ~1e-11.
        double d = FiniteDifferences.Derivative(x => x * x, 1e8);
        Near(2e8, d, 1e-10);
        double fixedStep = FiniteDifferences.Derivative(x => x * x, 1e8,
            FiniteDifferenceOptions.Central with { StepScale = FiniteDifferenceOptions.CentralStepScale / 1e8 });
        Assert.True(Math.Abs(fixedStep - 2e8) / 2e8 > 1e-6, $"an unscaled step should lose accuracy, got {fixedStep:R}");
    }

    [Fact]
    public void RichardsonRestartsWhenTheFirstStepLeavesTheDomain()
    {
        // h₀ = 1e-3 > x: log(x − h₀) is NaN and log(x − h₀/2) = −∞; the tableau restarts at h₀/4.
        double x = 5e-4;
        double d = FiniteDifferences.Derivative(Log, x, FiniteDifferenceOptions.Richardson);
        Near(1 / x, d, 1e-9);
    }

    [Fact]
    public void ForwardDifferenceIsTheRawOneSidedQuotient()
    {
        double h = 1e-3;
        double d = FiniteDifferences.ForwardDifference(x => x[0] * x[0], [3.0, 1.0], 0, h);
        Assert.Equal(((3 + h) * (3 + h) - 9) / h, d);
    }

    [Fact]
    public void BadInputThrowsNamingExpectedAndActual()
    {
        var e1 = Assert.Throws<ArgumentException>(() => FiniteDifferences.Gradient(x => x[0], []));
        Assert.Contains("empty", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => FiniteDifferences.Jvp(x => x[0], [1.0, 2.0], [1.0]));
        Assert.Contains("length 1", e2.Message);
        Assert.Contains("expected 2", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => FiniteDifferences.Gradient(x => x[0], [1.0, double.NaN]));
        Assert.Contains("x[1] is NaN", e3.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => FiniteDifferenceOptions.Central with { StepScale = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => FiniteDifferences.ForwardDifference(x => x[0], [1.0], 1, 1e-8));
        int calls = 0;
        var e4 = Assert.Throws<InvalidOperationException>(() =>
            FiniteDifferences.Jacobian(x => ++calls % 2 == 0 ? [x[0]] : [x[0], x[0]], [1.0]));
        Assert.Contains("fixed output count", e4.Message);
    }

    [Fact]
    public void NaNFromTheFunctionPropagates()
    {
        Assert.True(double.IsNaN(FiniteDifferences.Derivative(x => Sqrt(x), -1.0)));
    }
}
