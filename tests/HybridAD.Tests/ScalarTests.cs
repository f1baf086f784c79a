using System.Globalization;
using static HybridAD.Scalar;

namespace HybridAD.Tests;

/// <summary>The value type itself: constants, operators, comparisons on the primal, formatting, and
/// <see cref="Scalar.StopGradient"/>.</summary>
public class ScalarTests
{
    [Fact]
    public void Constants_AreDoubles()
    {
        Scalar a = 2.5;
        Scalar b = new(-4);
        Assert.True(a.IsConstant);
        Assert.Equal(2.5, a.Value);
        Assert.Equal(2.5, (double)a);
        Assert.Equal(0.0, Scalar.Zero.Value);
        Assert.True(Scalar.Zero.IsConstant);
        Assert.True(default(Scalar).IsConstant);

        Assert.Equal(-1.5, (a + b).Value);
        Assert.Equal(6.5, (a - b).Value);
        Assert.Equal(-10.0, (a * b).Value);
        Assert.Equal(-0.625, (a / b).Value);
        Assert.Equal(-2.5, (-a).Value);
        Assert.Equal(2.5, (+a).Value);
        Assert.Equal(7.5, (a + 5).Value);
        Assert.Equal(2.5, (5 - a).Value);
        Assert.Equal(double.PositiveInfinity, (a / 0.0).Value);
    }

    [Fact]
    public void ArithmeticOnConstants_RecordsNothing_EvenInsideAGradCall()
    {
        // Constants inside a differentiated function stay constants: no derivative work, no tape node.
        bool allConstant = false;
        double[] g = AD.Grad(x =>
        {
            Scalar c = Sin(1.0) * 3 + Exp(2.0) / Sqrt(4.0) - Max(1.0, 2.0);
            allConstant = c.IsConstant;
            return x[0] * c;
        }, [2.0]);
        Assert.True(allConstant);
        Approx.Rel(Math.Sin(1.0) * 3 + Math.Exp(2.0) / 2 - 2, g[0], 1e-15);
    }

    [Fact]
    public void PerturbedValues_AreNotConstant()
    {
        bool fwd = true, rev = true;
        AD.Derivative(x => { fwd = x.IsConstant; return x; })(1.0);
        AD.Grad(x => { rev = x[0].IsConstant; return x[0]; })([1.0]);
        Assert.False(fwd);
        Assert.False(rev);
    }

    [Fact]
    public void Comparisons_UseThePrimal_SoBranchesWork()
    {
        Scalar a = 1, b = 2;
        Assert.True(a < b);
        Assert.True(a <= b);
        Assert.True(b > a);
        Assert.True(b >= a);
        Assert.True(a != b);
        Assert.True(a == 1.0);
        Assert.True(a.Equals((Scalar)1.0));
        Assert.True(a.Equals((object)(Scalar)1.0));
        Assert.False(a.Equals((object)1.0)); // a boxed double is not a Scalar
        Assert.Equal(((Scalar)3.0).GetHashCode(), ((Scalar)3.0).GetHashCode());
        Assert.Equal(-1, a.CompareTo(b));
        Assert.Equal(new Scalar[] { 1, 2, 3 }, new Scalar[] { 3, 1, 2 }.Order().ToArray());

        // A piecewise function: the branch is taken on the primal, and each branch is differentiated.
        Func<Scalar, Scalar> piecewise = x => x < 0 ? -x * x : Sin(x);
        Approx.Rel(6.0, AD.Derivative(piecewise)(-3.0).Value);
        Approx.Rel(Math.Cos(0.5), AD.Derivative(piecewise)(0.5).Value);
        Approx.Rel(6.0, AD.Grad(x => piecewise(x[0]), [-3.0])[0]);
        Approx.Rel(Math.Cos(0.5), AD.Grad(x => piecewise(x[0]), [0.5])[0]);

        // a perturbed value compares equal to a constant of the same primal
        bool equal = false;
        AD.Grad(x => { equal = x[0] == 2.0 && x[0].Equals((Scalar)2.0); return x[0]; })([2.0]);
        Assert.True(equal);
    }

    [Fact]
    public void ToString_IsThePrimal_RoundTrip_InvariantCulture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            Assert.Equal("0.1", ((Scalar)0.1).ToString());
            Assert.Equal("-2.5", ((Scalar)(-2.5)).ToString());
            Assert.Equal(0.1 + 0.2, double.Parse(((Scalar)(0.1 + 0.2)).ToString(), CultureInfo.InvariantCulture));
            Assert.Equal("NaN", ((Scalar)double.NaN).ToString());
        }
        finally { CultureInfo.CurrentCulture = saved; }

        string inside = "";
        AD.Derivative(x => { inside = (x * 2).ToString(); return x; })(1.25);
        Assert.Equal("2.5", inside);
    }

    [Fact]
    public void StopGradient_HasZeroDerivative_InBothModes()
    {
        // f(x) = x · stop(x): the derivative treats stop(x) as the constant x, so f′(3) = 3 (not 6)
        Func<Scalar, Scalar> f = x => x * StopGradient(x);
        Assert.Equal(9.0, f(3.0).Value);
        Assert.Equal(3.0, AD.Derivative(f)(3.0).Value);
        Assert.Equal(3.0, AD.Grad(x => f(x[0]), [3.0])[0]);
        Assert.Equal(3.0, AD.Vjp(x => f(x[0]), [3.0]).Pullback(1)[0].Value);
        Assert.Equal(0.0, AD.Derivative(StopGradient)(3.0).Value);
        Assert.Equal(0.0, AD.Grad(x => StopGradient(Sin(x[0]) * x[1]), [1.0, 2.0])[1]);

        Scalar s = default;
        AD.Grad(x => { s = StopGradient(x[0] * x[0]); return x[0]; })([3.0]);
        Assert.True(s.IsConstant);
        Assert.Equal(9.0, s.Value); // a stopped value is a constant: it may leave the call
    }

    [Fact]
    public void StopGradient_StopsEveryLevel_WhenNested()
    {
        // d²/dx² (x² · stop(x)) = 2·stop(x) = 2x: the stopped factor is constant for the inner and outer calls.
        Func<Scalar, Scalar> f = x => x * x * StopGradient(x);
        Assert.Equal(4.0, AD.Derivative(AD.Derivative(f))(2.0).Value);
        Assert.Equal(4.0, AD.Grad(x => AD.Grad(y => f(y[0]))(x)[0])([2.0])[0].Value);
        Assert.Equal(4.0, AD.Derivative(x => AD.Grad(y => f(y[0]))([x])[0])(2.0).Value);
        Assert.Equal(4.0, AD.Hessian(y => f(y[0]), [2.0])[0, 0]);
        // without the stop: 6x
        Assert.Equal(12.0, AD.Derivative(AD.Derivative(x => x * x * x))(2.0).Value);

        // stop(x·y) is a constant to every level (as in JAX): d/dy (y · stop(x·y)) at y = 1 is the constant
        // x·y = 5 with no dependence on x left, so the outer derivative is 0 (unstopped: d/dx 2x = 2).
        Assert.Equal(0.0, AD.Derivative(x => AD.Derivative(y => y * StopGradient(x * y))(1.0))(5.0).Value);
        Assert.Equal(5.0, AD.Derivative(y => y * StopGradient(5.0 * y))(1.0).Value);
        Assert.Equal(2.0, AD.Derivative(x => AD.Derivative(y => y * (x * y))(1.0))(5.0).Value);
    }

    [Fact]
    public void ElementalFunctions_AcceptDoublesThroughImplicitConversion()
    {
        Assert.Equal(Math.Sin(1), Sin(1.0).Value);
        Assert.Equal(8.0, Pow(2.0, 3.0).Value);
        Assert.Equal(8.0, Pow((Scalar)2.0, (Scalar)3.0).Value);
        Assert.Equal(5.0, Hypot(3.0, 4.0).Value);
        Assert.Equal(Math.Atan2(1, 2), Atan2(1.0, 2.0).Value);
    }
}
