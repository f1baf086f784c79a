using HybridAD.Core;
using static HybridAD.Scalar;

namespace HybridAD.Tests.Core;

/// <summary>
/// The tape: a flat list swept by one loop, so a program of any length differentiates without recursion
/// (no stack overflow), first order and nested.
/// </summary>
public class TapeTests
{
    private const double H = 1e-6;

    /// <summary>y ← y + h·sin(y), <paramref name="steps"/> times: 3 recorded operations per step.</summary>
    private static Scalar Chain(Scalar x, int steps)
    {
        Scalar y = x;
        for (int k = 0; k < steps; k++) y = y + H * Sin(y);
        return y;
    }

    /// <summary>y, dy/dx and d²y/dx² of the chain by the chain rule on doubles (the reference).</summary>
    private static (double Y, double D1, double D2) ChainReference(double x, int steps)
    {
        double y = x, d = 1, s = 0;
        for (int k = 0; k < steps; k++)
        {
            double g1 = 1 + H * Math.Cos(y), g2 = -H * Math.Sin(y);
            s = s * g1 + d * d * g2;
            d *= g1;
            y += H * Math.Sin(y);
        }
        return (y, d, s);
    }

    [Fact]
    public void AMillionRecordedOperations_ReverseMode_NoStackOverflow()
    {
        const int steps = 333_334; // 1,000,002 recorded operations
        var (yRef, dRef, _) = ChainReference(0.8, steps);

        var (value, g) = AD.ValueAndGrad(x => Chain(x[0], steps))([0.8]);
        Approx.Rel(yRef, value.Value, 1e-14);
        Approx.Rel(dRef, g[0].Value, 1e-12);
        Approx.Rel(dRef, AD.Jvp(x => Chain(x[0], steps), [0.8], [1.0]).Tangent.Value, 1e-12);
        Approx.Rel(dRef, AD.Vjp(x => Chain(x[0], steps), [0.8]).Pullback(1.0)[0].Value, 1e-12);
    }

    [Fact]
    public void TapeRecordsOneNodePerOperation_AndTheSweepGivesTheGradient()
    {
        const int steps = 333_334;
        var tape = new Tape("test");
        try
        {
            Scalar x = tape.Input(new Scalar(0.8));
            Scalar y = Chain(x, steps);
            Assert.Equal(1 + 1 + 3 * steps, tape.Count); // sink, input, 3 per step
            Assert.True(tape.Count > 1_000_000);
            Assert.False(tape.HasNestedPartials);
            var adj = new double[tape.Count];
            adj[y.Slot] = 1;
            tape.Sweep(adj);
            Approx.Rel(ChainReference(0.8, steps).D1, adj[x.Slot], 1e-12);
        }
        finally { tape.Release(); }
    }

    [Fact]
    public void LongNestedChains_SecondDerivative_NoStackOverflow()
    {
        const int steps = 50_000; // 150,000 operations, each carrying perturbed partials
        var (_, dRef, sRef) = ChainReference(0.8, steps);
        // forward over reverse
        Approx.Rel(sRef, AD.Hessian(x => Chain(x[0], steps), [0.8])[0, 0], 1e-10, "forward over reverse");
        // reverse over reverse: the inner sweep is itself recorded on the outer tape, and swept
        Approx.Rel(sRef, AD.Grad(x => AD.Grad(y => Chain(y[0], steps))(x)[0])([0.8])[0].Value, 1e-10, "reverse over reverse");
        // reverse over forward
        Approx.Rel(sRef, AD.Grad(x => AD.Derivative(y => Chain(y, steps))(x[0]))([0.8])[0].Value, 1e-10, "reverse over forward");
        // and the inner first derivative seen as a value
        Approx.Rel(dRef, AD.Derivative(y => Chain(y, steps))(0.8).Value, 1e-12);
    }

    [Fact]
    public void WideFanIn_ManyInputs()
    {
        // 200,000 inputs, f = Σ xᵢ³: ∂f/∂xᵢ = 3xᵢ²
        var x = new double[200_000];
        for (int i = 0; i < x.Length; i++) x[i] = 1e-5 * i - 1;
        double[] g = AD.Grad(xs => { Scalar s = 0; foreach (var xi in xs) s += Cube(xi); return s; }, x);
        for (int i = 0; i < x.Length; i += 997) Approx.Rel(3 * x[i] * x[i], g[i], 1e-15);
        Approx.Rel(3 * x[^1] * x[^1], g[^1], 1e-15);
    }
}
