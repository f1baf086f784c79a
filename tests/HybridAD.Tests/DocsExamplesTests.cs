using static HybridAD.Scalar;

namespace HybridAD.Tests;

/// <summary>Every example of docs/api.md, with the value the page claims (keep the two in step).</summary>
public class DocsExamplesTests
{
    [Fact]
    public void WritingAFunction()
    {
        Func<Scalar, Scalar> f = x => x < 0 ? -x * x : Sin(x);
        Assert.Equal(6.0, AD.Derivative(f)(-3.0).Value);
    }

    [Fact]
    public void Derivative()
    {
        var df = AD.Derivative(x => Log(x) + Sqrt(Log(x)));
        WorkedExamplesTests.Close(0.800280602196612, df(2.0).Value);
        Assert.Equal(12.0, AD.Derivative(AD.Derivative(x => x * x * x))(2.0).Value);
    }

    [Fact]
    public void Grad()
    {
        Assert.Equal(new[] { 4.0, 3.0 }, AD.Grad(x => x[0] * x[1], [3.0, 4.0]));
        Scalar[] g2 = AD.Grad(x => x[0] * x[0] + 3 * x[1])([1.0, 2.0]);
        Assert.Equal(new[] { 2.0, 3.0 }, g2.ToDoubles());
        var (value, grad) = AD.ValueAndGrad(x => x[0] * x[1])([3.0, 4.0]);
        Assert.Equal(12.0, value.Value);
        Assert.Equal(new[] { 4.0, 3.0 }, grad.ToDoubles());
    }

    [Fact]
    public void Jvp()
    {
        var (y, jv) = AD.Jvp(x => [x[0] * x[1], Sin(x[0])], [1.0, 2.0], [1.0, 0.0]);
        Assert.Equal(new[] { 2.0, Math.Sin(1) }, y);
        Assert.Equal(new[] { 2.0, Math.Cos(1) }, jv);
        var (v, dv) = AD.Jvp(x => x[0] * x[1], new Scalar[] { 3, 4 }, new Scalar[] { 1, 1 });
        Assert.Equal(12.0, v.Value);
        Assert.Equal(7.0, dv.Value);
    }

    [Fact]
    public void Vjp()
    {
        var (ys, pullback) = AD.Vjp(x => [x[0] * x[1], x[0] + x[1]], new Scalar[] { 3, 4 });
        Assert.Equal(new[] { 12.0, 7.0 }, ys.ToDoubles());
        Assert.Equal(new[] { 4.0, 3.0 }, pullback([1.0, 0.0]).ToDoubles());
        Assert.Equal(new[] { 1.0, 1.0 }, pullback([0.0, 1.0]).ToDoubles());
        Assert.Equal(new[] { 9.0, 7.0 }, pullback([2.0, 1.0]).ToDoubles());
    }

    [Fact]
    public void Jacobian()
    {
        double[,] j = AD.Jacobian(x => [x[0] * x[1], Exp(x[0])], [1.0, 2.0], JacobianMode.Reverse);
        Assert.Equal(new[,] { { 2, 1 }, { Math.E, 0 } }, j);
        Func<Scalar[], Scalar[,]> jac = AD.Jacobian(x => [x[0] * x[1], Exp(x[0])]);
        Assert.Equal(new[,] { { 2, 1 }, { Math.E, 0 } }, jac([1.0, 2.0]).ToDoubles());
    }

    [Fact]
    public void HessianAndHvp()
    {
        Scalar[,] h = AD.Hessian((Scalar[] x) => x[0] * x[0] * x[1])([1.0, 2.0]);
        Assert.Equal(new double[,] { { 4, 2 }, { 2, 0 } }, h.ToDoubles());
        double[,] hd = AD.Hessian(x => Sin(x[0] * x[1]), [0.7, -1.3]);
        Approx.Rel(-1.69 * Math.Sin(-0.91), hd[0, 0], 1e-14);
        Assert.Equal(new[] { 4.0, 2.0 }, AD.Hvp(x => x[0] * x[0] * x[1], new Scalar[] { 1, 2 }, new Scalar[] { 1, 0 }).ToDoubles());
    }

    [Fact]
    public void Nesting()
    {
        var d = AD.Derivative;
        Assert.Equal(1.0, d(x => x * d(y => x + y)(1.0))(1.0).Value);
        Assert.Equal(2.0, d(x => x * d(y => x * y)(1.0))(1.0).Value);
        Assert.Equal(12.0, AD.Grad(x => AD.Grad(y => y[0] * y[0] * y[0])(x)[0])([2.0])[0].Value);
        Assert.Equal(4.0, AD.Derivative(x => AD.Grad(y => Exp(2 * y[0]))([x])[0])(0.0).Value);
    }

    [Fact]
    public void StopGradientAndCustomRule()
    {
        Assert.Equal(3.0, AD.Derivative(x => x * StopGradient(x))(3.0).Value);
        var logOnePlusSquare = CustomRule.Create("log1p_sq", 1,
            primal: x => Math.Log(1 + x[0] * x[0]),
            partials: (x, y) => [2 * x[0] / (1 + x[0] * x[0])]);
        Assert.Equal(1.0, AD.Derivative(x => logOnePlusSquare.Invoke(x))(1.0).Value);
        Assert.Equal(2.0, AD.Derivative(AD.Derivative(x => logOnePlusSquare.Invoke(x)))(0.0).Value);
    }

    [Fact]
    public void SymbolicZero()
    {
        Assert.Equal(new[] { double.PositiveInfinity, 3.0 }, AD.Grad(x => Sqrt(x[0]) + 3 * x[1], [0.0, 1.0]));
        Assert.Equal(3.0, AD.Jvp(x => Sqrt(x[0]) + 3 * x[1], new Scalar[] { 0, 1 }, new Scalar[] { 0, 1 }).Tangent.Value);
    }

    [Fact]
    public void EscapedPerturbation()
    {
        Scalar leaked = default;
        AD.Grad(x => { leaked = x[0] * 2; return leaked; }, [3.0]);
        Assert.Throws<PerturbationEscapedException>(() => AD.Derivative(y => y * leaked)(1.0));
        Assert.Equal(6.0, leaked.Value);
    }
}
