using static HybridAD.Scalar;

namespace HybridAD.Tests;

/// <summary>User-defined primitives (<see cref="CustomRule"/>) behave like built-in ones in forward, reverse
/// and nested use.</summary>
public class CustomRuleTests
{
    // log(1 + x²), with its derivative 2x/(1+x²) written over Scalar (so it is itself differentiable)
    private static readonly CustomRule LogOnePlusSquare = CustomRule.Create("log1p_sq", 1,
        primal: x => Math.Log(1 + x[0] * x[0]),
        partials: (x, y) => [2 * x[0] / (1 + x[0] * x[0])]);

    // φ(a, b) = a·b², partials (b², 2ab)
    private static readonly CustomRule ATimesBSquared = CustomRule.Create("ab2", 2,
        primal: x => x[0] * x[1] * x[1],
        partials: (x, y) => [x[1] * x[1], 2 * x[0] * x[1]]);

    // φ(a, b, c) = a·b + sin c, by JVP and VJP; counts which one each mode uses
    private static (CustomRule Rule, int[] Calls) MulAddSin()
    {
        var calls = new int[2]; // [jvp, vjp]
        var rule = CustomRule.FromJvpVjp("mul_add_sin", 3,
            primal: x => x[0] * x[1] + Math.Sin(x[2]),
            jvp: (x, v) => { Interlocked.Increment(ref calls[0]); return x[1] * v[0] + x[0] * v[1] + Cos(x[2]) * v[2]; },
            vjp: (x, u) => { Interlocked.Increment(ref calls[1]); return [u * x[1], u * x[0], u * Cos(x[2])]; });
        return (rule, calls);
    }

    [Fact]
    public void Properties_AndConstantInputs()
    {
        Assert.Equal("log1p_sq", LogOnePlusSquare.Name);
        Assert.Equal(1, LogOnePlusSquare.Arity);
        Scalar y = LogOnePlusSquare.Invoke(2.0);
        Assert.True(y.IsConstant);
        Assert.Equal(Math.Log(5), y.Value);
        Assert.Equal(12.0, ATimesBSquared.Invoke(3.0, 2.0).Value);
    }

    [Fact]
    public void Create_WorksInForwardAndReverse()
    {
        foreach (double x in new[] { -1.5, 0.0, 0.8 })
        {
            double expected = 2 * x / (1 + x * x);
            Approx.Rel(expected, AD.Derivative(s => LogOnePlusSquare.Invoke(s))(x).Value, 1e-15);
            Approx.Rel(expected, AD.Grad(s => LogOnePlusSquare.Invoke(s[0]), [x])[0], 1e-15);
            Approx.Rel(expected, AD.Vjp(s => LogOnePlusSquare.Invoke(s[0]), [x]).Pullback(1.0)[0].Value, 1e-15);
        }
        // inside a larger expression (chain rule through the rule): d/dx sin(φ(x²)) at x = 0.6
        double x0 = 0.6, u = x0 * x0, phi = Math.Log(1 + u * u);
        double chain = Math.Cos(phi) * (2 * u / (1 + u * u)) * 2 * x0;
        Approx.Rel(chain, AD.Derivative(s => Sin(LogOnePlusSquare.Invoke(s * s)))(x0).Value, 1e-14);
        Approx.Rel(chain, AD.Grad(s => Sin(LogOnePlusSquare.Invoke(s[0] * s[0])), [x0])[0], 1e-14);
    }

    [Fact]
    public void TwoInputs_WithAConstantArgument_AndARepeatedArgument()
    {
        // ∇(a·b²) at (3, 2) = (4, 12)
        Assert.Equal(new[] { 4.0, 12.0 }, AD.Grad(x => ATimesBSquared.Invoke(x[0], x[1]), [3.0, 2.0]));
        Assert.Equal(new[] { 4.0, 12.0 },
            AD.Jacobian(x => [ATimesBSquared.Invoke(x[0], x[1])], [3.0, 2.0], JacobianMode.Forward).Cast<double>().ToArray());
        // one argument a constant: only the other is differentiated
        Assert.Equal(12.0, AD.Derivative(b => ATimesBSquared.Invoke(3.0, b))(2.0).Value);
        Assert.Equal(4.0, AD.Grad(a => ATimesBSquared.Invoke(a[0], 2.0), [3.0])[0]);
        // φ(x, x) = x³: 3x²
        Assert.Equal(27.0, AD.Derivative(x => ATimesBSquared.Invoke(x, x))(3.0).Value);
        Assert.Equal(27.0, AD.Grad(x => ATimesBSquared.Invoke(x[0], x[0]), [3.0])[0]);
    }

    [Fact]
    public void FromJvpVjp_ForwardUsesTheJvp_ReverseUsesTheVjp()
    {
        var (rule, calls) = MulAddSin();
        double[] p = [1.5, -2.0, 0.4];
        double[] expected = [p[1], p[0], Math.Cos(p[2])];

        var (y, t) = AD.Jvp(x => rule.Invoke(x[0], x[1], x[2]), p.ToScalars(), new Scalar[] { 1, 10, 100 });
        Approx.Rel(p[0] * p[1] + Math.Sin(p[2]), y.Value, 1e-15);
        Approx.Rel(expected[0] + 10 * expected[1] + 100 * expected[2], t.Value, 1e-15);
        Assert.Equal(1, calls[0]);
        Assert.Equal(0, calls[1]);

        Approx.Rel(expected, AD.Grad(x => rule.Invoke(x[0], x[1], x[2]), p), 1e-15);
        Assert.Equal(1, calls[0]);
        Assert.Equal(1, calls[1]);

        // three inputs on a tape (recorded as a chain of two-input nodes), repeated: φ(x, x, x) = x² + sin x
        Approx.Rel(2 * 0.7 + Math.Cos(0.7), AD.Grad(x => rule.Invoke(x[0], x[0], x[0]), [0.7])[0], 1e-15);
        Approx.Rel(2 * 0.7 + Math.Cos(0.7), AD.Derivative(x => rule.Invoke(x, x, x))(0.7).Value, 1e-15);
    }

    [Fact]
    public void Create_SecondDerivatives_InEveryNesting()
    {
        // φ(x) = log(1 + x²): φ″ = 2(1 − x²)/(1 + x²)²
        Func<Scalar, Scalar> phi = x => LogOnePlusSquare.Invoke(x);
        foreach (double x in new[] { -1.5, 0.3, 2.0 })
        {
            double expected = 2 * (1 - x * x) / ((1 + x * x) * (1 + x * x));
            foreach (var (outer, dOut) in NestingTests.D)
                foreach (var (inner, dIn) in NestingTests.D)
                    Approx.Rel(expected, dOut(dIn(phi))(x).Value, 1e-14, $"{outer}∘{inner} at {x}");
        }
        // Hessian of a·b² = [[0, 2b], [2b, 2a]] at (3, 2)
        var h = new double[,] { { 0, 4 }, { 4, 6 } };
        Func<Scalar[], Scalar> f = x => ATimesBSquared.Invoke(x[0], x[1]);
        Assert.Equal(h, AD.Hessian(f, [3.0, 2.0]));
        Assert.Equal(h, AD.Jacobian(AD.Grad(f), [3.0, 2.0], JacobianMode.Reverse));
    }

    [Fact]
    public void FromJvpVjp_SecondDerivatives_InEveryNesting()
    {
        var (rule, _) = MulAddSin();
        // φ(x, 2x, x) = 2x² + sin x: φ″ = 4 − sin x
        Func<Scalar, Scalar> phi = x => rule.Invoke(x, 2 * x, x);
        foreach (var (outer, dOut) in NestingTests.D)
            foreach (var (inner, dIn) in NestingTests.D)
                Approx.Rel(4 - Math.Sin(0.9), dOut(dIn(phi))(0.9).Value, 1e-14, $"{outer}∘{inner}");
        // Hessian of a·b + sin c
        double[,] h = AD.Hessian(x => rule.Invoke(x[0], x[1], x[2]), [1.0, 2.0, 0.5]);
        Approx.Rel(new double[,] { { 0, 1, 0 }, { 1, 0, 0 }, { 0, 0, -Math.Sin(0.5) } }, h, 1e-15);
    }

    [Fact]
    public void ArgumentsFromDifferentLevels()
    {
        // d/dx [ d/dy φ(x, y) at y = 1 ] for φ = a·b²: ∂φ/∂b = 2ab = 2x, then d/dx = 2
        Assert.Equal(2.0, AD.Derivative(x => AD.Derivative(y => ATimesBSquared.Invoke(x, y))(1.0))(5.0).Value);
        Assert.Equal(2.0, AD.Grad(x => AD.Grad(y => ATimesBSquared.Invoke(x[0], y[0]))([1.0])[0])([5.0])[0].Value);
        // perturbation confusion through a custom rule: D(x ↦ x · D(y ↦ φ(x, y))(1))(1) with φ = a·b²:
        // inner = 2x, outer = d/dx 2x² = 4x = 4
        Assert.Equal(4.0, AD.Derivative(x => x * AD.Derivative(y => ATimesBSquared.Invoke(x, y))(1.0))(1.0).Value);
    }

    [Fact]
    public void BadDefinitions_AreRejectedAtCreation()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => CustomRule.Create("none", 0, _ => 0, (_, _) => []));
        Assert.Contains("at least one input", ex.Message);
        Assert.Throws<ArgumentException>(() => CustomRule.Create(" ", 1, _ => 0, (_, _) => [0.0]));
        Assert.Throws<ArgumentNullException>(() => CustomRule.Create("p", 1, null!, (_, _) => [0.0]));
        Assert.Throws<ArgumentNullException>(() => CustomRule.Create("p", 1, _ => 0, null!));
        Assert.Throws<ArgumentNullException>(() => CustomRule.FromJvpVjp("p", 1, _ => 0, null!, (_, _) => [0.0]));
        Assert.Throws<ArgumentNullException>(() => CustomRule.FromJvpVjp("p", 1, _ => 0, (_, _) => 0.0, null!));
    }
}
