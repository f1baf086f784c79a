using static HybridAD.Scalar;

namespace HybridAD.Tests;

/// <summary>
/// Combinators inside combinators: perturbation confusion (Siskind &amp; Pearlmutter), higher derivatives in
/// every combination of forward and reverse mode, and inner results that are constants to outer calls.
/// </summary>
public class NestingTests
{
    /// <summary>Four ways to take f′ for f : ℝ → ℝ, each its own kind of level.</summary>
    public static readonly Dictionary<string, Func<Func<Scalar, Scalar>, Func<Scalar, Scalar>>> D = new()
    {
        ["Derivative"] = AD.Derivative,
        ["Jvp"] = f => x => AD.Jvp(xs => f(xs[0]), [x], [1.0]).Tangent,
        ["Grad"] = f => x => AD.Grad(xs => f(xs[0]))([x])[0],
        ["Vjp"] = f => x => AD.Vjp(xs => f(xs[0]), [x]).Pullback(1.0)[0],
    };

    public static TheoryData<string, string> ModePairs
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (string outer in D.Keys)
                foreach (string inner in D.Keys) data.Add(outer, inner);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ModePairs))]
    public void PerturbationConfusion_SiskindPearlmutter(string outer, string inner)
    {
        var dOut = D[outer];
        var dIn = D[inner];
        // D(x ↦ x · D(y ↦ x + y)(1))(1) = 1: the inner derivative is 1 (x is a constant to it), so the outer
        // function is x·1. A confused implementation adds the outer perturbation to the inner one and gets 2.
        Assert.Equal(1.0, dOut(x => x * dIn(y => x + y)(1.0))(1.0).Value);
        // d/dx (x · d/dy (x·y)) = d/dx (x · x) = 2x, so 2 at x = 1 (whatever y the inner call is taken at)
        Assert.Equal(2.0, dOut(x => x * dIn(y => x * y)(1.0))(1.0).Value);
        Assert.Equal(2.0, dOut(x => x * dIn(y => x * y)(7.0))(1.0).Value);
        Assert.Equal(6.0, dOut(x => x * dIn(y => x * y)(7.0))(3.0).Value);
    }

    [Theory]
    [MemberData(nameof(ModePairs))]
    public void SecondDerivative_InEveryPairOfModes(string outer, string inner)
    {
        // f(x) = x·e^(3x): f″ = e^(3x)(6 + 9x)
        Func<Scalar, Scalar> f = x => x * Exp(3 * x);
        foreach (double x in new[] { -0.4, 0.3, 1.1 })
            Approx.Rel(Math.Exp(3 * x) * (6 + 9 * x), D[outer](D[inner](f))(x).Value, 1e-13, $"{outer}∘{inner} at {x}");
    }

    [Fact]
    public void ThirdDerivative_InAll64CombinationsOfModes()
    {
        // f(x) = x·e^(3x): f‴ = e^(3x)(27 + 27x); g(x) = sin(2x): g‴ = −8 cos(2x)
        Func<Scalar, Scalar> f = x => x * Exp(3 * x);
        Func<Scalar, Scalar> g = x => Sin(2 * x);
        const double x0 = 0.3;
        foreach (var (a, da) in D)
            foreach (var (b, db) in D)
                foreach (var (c, dc) in D)
                {
                    Approx.Rel(Math.Exp(3 * x0) * (27 + 27 * x0), da(db(dc(f)))(x0).Value, 1e-13, $"{a}∘{b}∘{c} on x·e^(3x)");
                    Approx.Rel(-8 * Math.Cos(2 * x0), da(db(dc(g)))(x0).Value, 1e-13, $"{a}∘{b}∘{c} on sin 2x");
                }
    }

    [Fact]
    public void HighOrder_EighthDerivative()
    {
        Func<Scalar, Scalar> f = Sin;
        Func<Scalar, Scalar> e = x => Exp(2 * x);
        for (int k = 0; k < 8; k++)
        {
            f = AD.Derivative(f);
            e = (k % 2 == 0 ? D["Grad"] : D["Derivative"])(e); // alternate reverse and forward levels
        }
        Approx.Rel(Math.Sin(0.7), f(0.7).Value, 1e-13, "d⁸/dx⁸ sin");
        Approx.Rel(256 * Math.Exp(1.4), e(0.7).Value, 1e-13, "d⁸/dx⁸ e^(2x)");
    }

    [Fact]
    public void ReverseOverReverse_MixedPartialsWithClosures()
    {
        // g(x) = ∂/∂y₀ h(x, y) at y = (1, 2), with h = x₀ y₀² y₁ + x₁ sin(y₀):
        // ∂h/∂y₀ = 2 x₀ y₀ y₁ + x₁ cos(y₀) ⇒ g = 4x₀ + x₁ cos 1 ⇒ ∇g = (4, cos 1)
        Func<Scalar[], Scalar> g = x => AD.Grad(y => x[0] * y[0] * y[0] * y[1] + x[1] * Sin(y[0]))([1.0, 2.0])[0];
        double[] grad = AD.Grad(g, [0.3, -2.0]);
        Approx.Rel(4, grad[0], 1e-15);
        Approx.Rel(Math.Cos(1), grad[1], 1e-15);
        // and the same with forward mode outside
        Approx.Rel(Math.Cos(1), AD.Jvp(g, [0.3, -2.0], [0.0, 1.0]).Tangent.Value, 1e-15);
    }

    [Fact]
    public void InnerResult_IsAConstantToTheOuterCall()
    {
        // The inner derivative is taken at a fixed point and does not depend on x: its outer derivative is 0.
        Assert.Equal(0.0, AD.Derivative(x => AD.Derivative(y => y * y)(3.0))(1.0).Value);
        Assert.Equal(0.0, AD.Grad(x => AD.Grad(y => y[0] * y[0])([3.0])[0])([1.0])[0].Value);
        // x + (inner constant 6): slope 1
        Assert.Equal(1.0, AD.Derivative(x => x + AD.Derivative(y => y * y)(3.0))(1.0).Value);
    }

    [Fact]
    public void NestedVjp_PullbackUsedInsideTheOuterCall()
    {
        // d/dx [pullback of f at x](1) = f″(x), f = x³ ⇒ 6x
        double second = AD.Derivative(x =>
        {
            var (_, pullback) = AD.Vjp(xs => xs[0] * xs[0] * xs[0], [x]);
            return pullback(1.0)[0];
        })(2.0).Value;
        Assert.Equal(12.0, second);
        // a cotangent that depends on the outer variable: d/dx [x · (f′(x))] at f = sin ⇒ cos x − x sin x
        double mixed = AD.Derivative(x => AD.Vjp(xs => Sin(xs[0]), [x]).Pullback(x)[0])(0.8).Value;
        Approx.Rel(Math.Cos(0.8) - 0.8 * Math.Sin(0.8), mixed, 1e-15);
    }

    [Fact]
    public void JacobianAndHessianInsideGrad()
    {
        // Σᵢⱼ J(x)ᵢⱼ for f(x) = (x₀x₁, x₀ + x₁²) is x₁ + x₀ + 1 + 2x₁, whose gradient is (1, 3).
        foreach (JacobianMode mode in new[] { JacobianMode.Forward, JacobianMode.Reverse, JacobianMode.Auto })
        {
            double[] g = AD.Grad(x =>
            {
                Scalar[,] j = AD.Jacobian(y => [y[0] * y[1], y[0] + y[1] * y[1]], x, mode);
                Scalar s = 0;
                foreach (Scalar e in j) s += e;
                return s;
            }, [0.5, 2.0]);
            Assert.Equal(new[] { 1.0, 3.0 }, g);
        }
        // trace of the Hessian of x₀³x₁ is 6x₀x₁; its gradient is (6x₁, 6x₀) — third derivatives through Hessian
        double[] gt = AD.Grad(x =>
        {
            Scalar[,] h = AD.Hessian((Scalar[] y) => y[0] * y[0] * y[0] * y[1])(x);
            return h[0, 0] + h[1, 1];
        }, [0.5, 2.0]);
        Assert.Equal(new[] { 12.0, 3.0 }, gt);
    }

    [Fact]
    public void DeepNestingOfOpenCalls_BeyondTheInitialLevelTable()
    {
        // 600 calls open at once (the level table starts with 256 slots). Each intermediate call ignores its
        // own input and returns the next call's value, which only the outermost call perturbs.
        static Scalar Open(int depth, Scalar x) =>
            depth == 0 ? Sin(x) * x : AD.ValueAndGrad(_ => Open(depth - 1, x))([1.0]).Value;
        double d = AD.Derivative(x => Open(600, x))(0.9).Value;
        Approx.Rel(Math.Sin(0.9) + 0.9 * Math.Cos(0.9), d, 1e-15);
    }

    [Fact]
    public void ThreeLevelsOfDifferentKinds_MeetInOneExpression()
    {
        // inner: ∂/∂x₁ (x₀x₁²) = 2x₀x₁ at x = (a, b); middle: d/db → 2a; outer: d/da → 2
        double r = AD.Derivative(a =>
            AD.Grad(b => AD.Grad(xs => xs[0] * xs[1] * xs[1])([a, b[0]])[1])([3.0])[0])(2.0).Value;
        Assert.Equal(2.0, r);
        // the same with the middle value kept: 2ab at (2, 3) = 12, and its a-derivative 2b = 6
        var (v, t) = AD.Jvp(ab => AD.Grad(xs => xs[0] * xs[1] * xs[1])(ab)[1], new Scalar[] { 2, 3 }, new Scalar[] { 1, 0 });
        Assert.Equal(12.0, v.Value);
        Assert.Equal(6.0, t.Value);
    }

    [Fact]
    public void TangentsAndCotangentsThatDependOnAnOuterVariable()
    {
        // J·(t v) is linear in t: d/dt Jvp(f, x, t·v) = J·v; likewise for the pullback's seed
        Func<Scalar[], Scalar> f = x => x[0] * Sin(x[1]);
        Scalar[] x0 = [1.5, 0.4];
        double jv = 2 * Math.Sin(0.4) - 3 * 1.5 * Math.Cos(0.4); // v = (2, −3)
        Approx.Rel(jv, AD.Derivative(t => AD.Jvp(f, x0, [2 * t, -3 * t]).Tangent)(0.7).Value, 1e-15);
        Approx.Rel(jv, AD.Grad(t => AD.Jvp(f, x0, [2 * t[0], -3 * t[0]]).Tangent)([0.7])[0].Value, 1e-15);
        Approx.Rel(Math.Sin(0.4), AD.Derivative(u => AD.Vjp(f, x0).Pullback(u)[0])(5.0).Value, 1e-15);
    }
}
