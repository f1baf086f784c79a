using HybridAD.Core;
using static HybridAD.Scalar;

namespace HybridAD.Tests;

/// <summary>
/// Bad input gets a clear exception that names what was expected and what came — never a silent wrong
/// answer. Escaped perturbations (a value of a call used after the call returned) always throw
/// <see cref="PerturbationEscapedException"/> when they reach a derivative computation.
/// </summary>
public class ErrorTests
{
    private static Scalar[] Two(Scalar[] x) => [x[0] * x[1], x[0] + x[1]];

    // ------------------------------------------------------------------ lengths

    [Fact]
    public void Jvp_TangentOfWrongLength()
    {
        var ex = Assert.Throws<ArgumentException>(() => AD.Jvp(Two, new Scalar[] { 1, 2 }, new Scalar[] { 1 }));
        Assert.Contains("Jvp", ex.Message);
        Assert.Contains("tangent", ex.Message);
        Assert.Contains("length 1", ex.Message);   // what came
        Assert.Contains("expected 2", ex.Message); // what was expected
        ex = Assert.Throws<ArgumentException>(() => AD.Jvp(x => x[0], new Scalar[] { 1, 2 }, new Scalar[] { 1, 2, 3 }));
        Assert.Contains("length 3", ex.Message);
        Assert.Contains("expected 2", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => AD.Jvp(Two, [1.0, 2.0], [1.0, 2.0, 3.0, 4.0]));
        Assert.Contains("length 4", ex.Message);
        Assert.Contains("expected 2", ex.Message);
    }

    [Fact]
    public void Vjp_CotangentOfWrongLength()
    {
        var (_, pullback) = AD.Vjp(Two, new Scalar[] { 1, 2 });
        var ex = Assert.Throws<ArgumentException>(() => pullback([1.0, 2.0, 3.0]));
        Assert.Contains("pullback", ex.Message);
        Assert.Contains("cotangent", ex.Message);
        Assert.Contains("length 3", ex.Message);
        Assert.Contains("expected 2", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => pullback([1.0]));
        Assert.Contains("length 1", ex.Message);
        Assert.Contains("expected 2", ex.Message);
        // the pullback still works after a bad call
        Assert.Equal(new[] { 2.0, 1.0 }, pullback([1.0, 0.0]).ToDoubles());
    }

    [Fact]
    public void Hvp_DirectionOfWrongLength()
    {
        var ex = Assert.Throws<ArgumentException>(() => AD.Hvp(x => x[0] * x[1], new Scalar[] { 1, 2 }, new Scalar[] { 1, 2, 3 }));
        Assert.Contains("Hvp", ex.Message);
        Assert.Contains("length 3", ex.Message);
        Assert.Contains("expected 2", ex.Message);
    }

    [Fact]
    public void EmptyInput_IsRejectedByEveryCombinator()
    {
        Scalar[] none = [];
        var cases = new (string Name, Action Call)[]
        {
            ("Grad", () => AD.Grad(x => 1.0)(none)),
            ("Grad", () => AD.Grad(x => 1.0, Array.Empty<double>())),
            ("ValueAndGrad", () => AD.ValueAndGrad(x => 1.0)(none)),
            ("Jvp", () => AD.Jvp(x => 1.0, none, none)),
            ("Vjp", () => AD.Vjp(x => 1.0, none)),
            ("Jacobian", () => AD.Jacobian(x => [1.0], none)),
            ("Jacobian", () => AD.Jacobian(x => [1.0], none, JacobianMode.Reverse)),
            ("Hessian", () => AD.Hessian(x => 1.0)(none)),
            ("Hessian", () => AD.Hessian(x => 1.0, Array.Empty<double>())),
            ("Hvp", () => AD.Hvp(x => 1.0, none, none)),
        };
        foreach (var (name, call) in cases)
        {
            var ex = Assert.ThrowsAny<ArgumentException>(call);
            Assert.Contains(name, ex.Message);
            Assert.Contains("empty", ex.Message);
            Assert.Contains("expected at least one element", ex.Message);
        }
    }

    [Fact]
    public void NullArguments()
    {
        Assert.Throws<ArgumentNullException>(() => AD.Grad(null!));
        Assert.Throws<ArgumentNullException>(() => AD.Grad(x => x[0])(null!));
        Assert.Throws<ArgumentNullException>(() => AD.Grad(x => x[0], (double[])null!));
        Assert.Throws<ArgumentNullException>(() => AD.Jvp(Two, new Scalar[] { 1, 2 }, null!));
        Assert.Throws<ArgumentNullException>(() => AD.Vjp(Two, null!));
        Assert.Throws<ArgumentNullException>(() => AD.Vjp(Two, new Scalar[] { 1, 2 }).Pullback(null!));
        Assert.Throws<ArgumentNullException>(() => LogRule.Invoke(null!));
    }

    [Fact]
    public void FunctionReturningNull_OrAVaryingOutputCount()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => AD.Jvp(_ => (Scalar[])null!, [1.0], [1.0]));
        Assert.Contains("returned null", ex.Message);
        ex = Assert.Throws<InvalidOperationException>(() => AD.Vjp(_ => (Scalar[])null!, new Scalar[] { 1 }));
        Assert.Contains("returned null", ex.Message);

        int calls = 0;
        ex = Assert.Throws<InvalidOperationException>(() =>
            AD.Jacobian(x => ++calls == 2 ? [x[0]] : [x[0], x[1]], [1.0, 2.0], JacobianMode.Forward));
        Assert.Contains("returned 1 outputs in one evaluation and 2 in another", ex.Message);
        Assert.Contains("fixed output count", ex.Message);
    }

    // ------------------------------------------------------------------ custom rules

    private static readonly CustomRule LogRule = CustomRule.Create("mylog", 1, x => Math.Log(x[0]), (x, _) => [1 / x[0]]);

    [Fact]
    public void CustomRule_CalledWithWrongArity()
    {
        var ex = Assert.Throws<ArgumentException>(() => LogRule.Invoke(1.0, 2.0));
        Assert.Contains("'mylog'", ex.Message);
        Assert.Contains("expected 1 arguments", ex.Message);
        Assert.Contains("got 2", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => AD.Grad(x => LogRule.Invoke(), [1.0]));
        Assert.Contains("got 0", ex.Message);
    }

    [Fact]
    public void CustomRule_ReturningTheWrongNumberOfPartials()
    {
        var bad = CustomRule.Create("bad2", 2, x => x[0] * x[1], (x, _) => [x[1]]); // forgot ∂/∂b
        // a constant evaluation needs no partials
        Assert.Equal(6.0, bad.Invoke(2.0, 3.0).Value);
        foreach (Action call in new Action[]
                 {
                     () => AD.Grad(x => bad.Invoke(x[0], x[1]), [2.0, 3.0]),
                     () => AD.Derivative(x => bad.Invoke(x, 3.0))(2.0),
                 })
        {
            var ex = Assert.Throws<ArgumentException>(call);
            Assert.Contains("'bad2'", ex.Message);
            Assert.Contains("partials function returned 1 partials", ex.Message);
            Assert.Contains("expected 2", ex.Message);
        }

        var badVjp = CustomRule.FromJvpVjp("badvjp", 1, x => x[0], (_, v) => v[0], (_, u) => [u, u, u]);
        Assert.Equal(1.0, AD.Derivative(x => badVjp.Invoke(x))(1.0).Value); // forward mode uses the JVP: fine
        var e2 = Assert.Throws<ArgumentException>(() => AD.Grad(x => badVjp.Invoke(x[0]), [1.0]));
        Assert.Contains("'badvjp'", e2.Message);
        Assert.Contains("VJP returned 3 partials", e2.Message);
        Assert.Contains("expected 1", e2.Message);

        var nullPartials = CustomRule.Create("nullp", 1, x => x[0], (_, _) => null!);
        var e3 = Assert.Throws<ArgumentException>(() => AD.Grad(x => nullPartials.Invoke(x[0]), [1.0]));
        Assert.Contains("'nullp'", e3.Message);
        Assert.Contains("expected 1", e3.Message);
    }

    // ------------------------------------------------------------------ escaped perturbations

    private static void AssertEscaped(Scalar leaked, Action use, string what)
    {
        try { use(); }
        catch (PerturbationEscapedException ex)
        {
            Assert.Equal(Level.IdOf(leaked.Key), ex.CallId);
            Assert.Contains($"#{ex.CallId}", ex.Message);
            Assert.Contains("escaped", ex.Message);
            return;
        }
        catch (Exception other)
        {
            Assert.Fail($"{what}: expected PerturbationEscapedException, got {other.GetType().Name}: {other.Message}");
        }
        Assert.Fail($"{what}: the escaped value was used and no exception was thrown");
    }

    /// <summary>Every way a leaked value can reach a derivative computation. A tape value also throws on any
    /// arithmetic, even outside every call (finding its tape fails); a forward value's arithmetic with constants
    /// keeps the primal (right) and the finished call's tag, so it throws where it reaches a derivative (see
    /// Engine's remarks), which <see cref="AssertArithmeticKeepsTheCall"/> checks.</summary>
    private static void AssertEveryUseThrows(Scalar leaked, bool onTape)
    {
        AssertEscaped(leaked, () => AD.Derivative(y => y * leaked)(1.0), "operand with a live value (forward)");
        AssertEscaped(leaked, () => AD.Grad(y => y[0] + leaked, [1.0]), "operand with a live value (reverse)");
        AssertEscaped(leaked, () => AD.Derivative(y => leaked)(1.0), "returned from a forward call");
        AssertEscaped(leaked, () => AD.Grad(y => Sin(leaked), [1.0]), "returned from a reverse call");
        AssertEscaped(leaked, () => AD.Vjp(y => [leaked * 2], new Scalar[] { 1.0 }), "returned from Vjp");
        AssertEscaped(leaked, () => AD.Jvp(y => [y[0], leaked], [1.0], [1.0]), "returned from Jvp");
        AssertEscaped(leaked, () => AD.Derivative(y => y)(leaked), "input to Derivative");
        AssertEscaped(leaked, () => AD.Grad(y => y[0])([leaked]), "input to Grad");
        AssertEscaped(leaked, () => AD.Jvp(y => y[0], new Scalar[] { 1.0 }, new Scalar[] { leaked }), "tangent of Jvp");
        AssertEscaped(leaked, () => AD.Vjp(y => y[0] * y[0], new Scalar[] { 1.0 }).Pullback(leaked), "cotangent of a pullback");
        AssertEscaped(leaked, () => StopGradient(leaked), "StopGradient");
        AssertEscaped(leaked, () => LogRule.Invoke(leaked), "custom rule");
        AssertEscaped(leaked, () => AD.Derivative(y => Max(y, leaked) + Pow(y, leaked))(1.0), "binary elementals");
        AssertEscaped(leaked, () => AD.Grad(y => y[0] * Sin(leaked), [1.0]), "unary elemental inside another call");
        if (onTape)
        {
            // any operation on it, even outside every call
            AssertEscaped(leaked, () => _ = leaked + 1, "arithmetic with a constant");
            AssertEscaped(leaked, () => _ = leaked * leaked, "arithmetic with itself");
            AssertEscaped(leaked, () => _ = -leaked, "negation");
            AssertEscaped(leaked, () => _ = Sin(leaked), "unary elemental");
            AssertEscaped(leaked, () => _ = Hypot(leaked, leaked), "binary elemental");
        }
        else
        {
            AssertArithmeticKeepsTheCall(leaked, leaked + 1, leaked.Value + 1);
            AssertArithmeticKeepsTheCall(leaked, leaked * leaked, leaked.Value * leaked.Value);
            AssertArithmeticKeepsTheCall(leaked, -leaked, -leaked.Value);
            AssertArithmeticKeepsTheCall(leaked, Sin(leaked), Math.Sin(leaked.Value));
            AssertArithmeticKeepsTheCall(leaked, Hypot(leaked, leaked), Math.Sqrt(2) * Math.Abs(leaked.Value));
        }
    }

    /// <summary>A value computed from an escaped forward value outside every call: its primal is right, and every
    /// way to a derivative throws.</summary>
    private static void AssertArithmeticKeepsTheCall(Scalar leaked, Scalar derived, double primal)
    {
        Assert.Equal(primal, derived.Value, 14);
        Assert.Equal(leaked.Key, derived.Key);
        AssertEscaped(leaked, () => AD.Derivative(y => y * derived)(1.0), "derived value with a live value");
        AssertEscaped(leaked, () => AD.Derivative(_ => derived)(1.0), "derived value returned");
        AssertEscaped(leaked, () => AD.Grad(y => y[0])([derived]), "derived value as an input");
    }

    [Fact]
    public void ValueLeakedFromGrad_Throws()
    {
        Scalar leaked = default;
        AD.Grad(x => { leaked = x[0] * 2; return leaked; }, [3.0]);
        Assert.False(leaked.IsConstant);
        AssertEveryUseThrows(leaked, onTape: true);
    }

    [Fact]
    public void ValueLeakedFromJvp_Throws()
    {
        Scalar leaked = default;
        AD.Jvp(x => { leaked = x[0] * x[0]; return [leaked]; }, [3.0], [1.0]);
        AssertEveryUseThrows(leaked, onTape: false);
    }

    [Fact]
    public void ValueLeakedFromDerivative_Throws()
    {
        Scalar leaked = default;
        AD.Derivative(x => { leaked = Sin(x); return leaked; })(3.0);
        AssertEveryUseThrows(leaked, onTape: false);
        // its primal can still be read (Value, comparisons): that is a number the call already returned
        Assert.Equal(Math.Sin(3.0), leaked.Value);
    }

    [Fact]
    public void ValueLeakedFromAnInnerCall_IntoItsStillOpenOuterCall_Throws()
    {
        // The inner call has returned, the outer one is still running: the inner value must not be used there.
        foreach (var inner in NestingTests.D.Values)
        {
            Scalar leaked = default;
            var ex = Assert.Throws<PerturbationEscapedException>(() => AD.Derivative(x =>
            {
                inner(y => { leaked = y * x; return leaked; })(2.0);
                return leaked * x;
            })(1.0));
            Assert.Equal(Level.IdOf(leaked.Key), ex.CallId);
            // returning it from the outer function is caught too
            Assert.Throws<PerturbationEscapedException>(() => AD.Grad(x =>
            {
                inner(y => { leaked = Exp(y); return leaked; })(2.0);
                return leaked;
            }, [1.0]));
        }
    }

    [Fact]
    public void LeakedValue_IsDetectedEvenAfterItsTableSlotWasReused()
    {
        Scalar leaked = default;
        AD.Grad(x => { leaked = x[0] * 1; return leaked; }, [3.0]);
        // many later calls reuse the freed level-table slot; the key (with its never-reused call id) differs
        for (int i = 0; i < 50; i++) AD.Derivative(y => y * y)(i);
        AD.Derivative(y =>
        {
            AssertEscaped(leaked, () => _ = leaked * y, "while another call holds the slot");
            return y;
        })(1.0);
    }

    [Fact]
    public void VjpPullback_WithNestedPartials_UsedAfterTheOuterCallReturned_Throws()
    {
        // The pullback's tape holds partials perturbed by the outer Derivative; after it returns they are dead.
        Func<Scalar, Scalar[]>? kept = null;
        AD.Derivative(x =>
        {
            var (v, pullback) = AD.Vjp(xs => xs[0] * x, [x]);
            kept = pullback;
            return v;
        })(2.0);
        Assert.Throws<PerturbationEscapedException>(() => kept!(1.0));
    }

    [Fact]
    public void ExceptionsFromF_Propagate_AndTheCallIsClosed()
    {
        foreach (var d in NestingTests.D.Values)
        {
            Scalar leaked = default;
            var ex = Assert.Throws<InvalidOperationException>(() => d(x => { leaked = x * x; throw new InvalidOperationException("boom"); })(1.0));
            Assert.Equal("boom", ex.Message);
            Assert.Throws<PerturbationEscapedException>(() => AD.Derivative(y => y * leaked)(1.0));
        }
        // many failed calls leave nothing open behind
        for (int i = 0; i < 2000; i++)
            Assert.Throws<DivideByZeroException>(() => AD.Grad(x => { _ = x[0] * 2; throw new DivideByZeroException(); }, [1.0]));
        Approx.Rel(6.0, AD.Grad(x => x[0] * x[0] * x[0], [Math.Sqrt(2)])[0], 1e-15);
    }
}
