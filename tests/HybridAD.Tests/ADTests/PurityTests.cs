using static HybridAD.Scalar;

namespace HybridAD.Tests.ADTests;

/// <summary>The combinators are pure: nothing passed in is mutated (even by an f that writes to its own
/// argument array), and every result is a new array.</summary>
public class PurityTests
{
    /// <summary>A badly behaved f that overwrites its argument array before using it.</summary>
    private static Scalar Vandal(Scalar[] x)
    {
        Scalar r = x[0] * x[1];
        x[0] = 100;
        x[1] = x[1] * 2;
        return r + x[0];
    }

    private static Scalar[] VandalVec(Scalar[] x) => [Vandal(x), x[0]];

    [Fact]
    public void InputsAreNeverMutated()
    {
        double[] xd = [3, 4];
        Scalar[] xs = [3, 4];
        Scalar[] v = [1, -1];

        double[] g = AD.Grad(Vandal, xd);
        Assert.Equal(new[] { 4.0, 3.0 }, g); // the gradient of x₀x₁ (+ the constant 100)
        Assert.Equal(new[] { 3.0, 4.0 }, xd);

        foreach (Action call in new Action[]
                 {
                     () => AD.Grad(Vandal)(xs),
                     () => AD.ValueAndGrad(Vandal)(xs),
                     () => AD.Jvp(VandalVec, xs, v),
                     () => AD.Jvp(Vandal, xs, v),
                     () => AD.Vjp(VandalVec, xs).Pullback([1.0, 1.0]),
                     () => AD.Jacobian(VandalVec, xs, JacobianMode.Forward),
                     () => AD.Jacobian(VandalVec, xs, JacobianMode.Reverse),
                     () => AD.Jacobian(VandalVec, xs, JacobianMode.Auto),
                     () => AD.Hessian(Vandal)(xs),
                     () => AD.Hvp(Vandal, xs, v),
                 })
        {
            call();
            Assert.Equal(new[] { 3.0, 4.0 }, xs.ToDoubles());
            Assert.Equal(new[] { 1.0, -1.0 }, v.ToDoubles());
        }
        var (_, jv) = AD.Jvp(Vandal, xs, v);
        Assert.Equal(4.0 - 3.0, jv.Value);
    }

    [Fact]
    public void ResultsAreNewArrays()
    {
        Func<Scalar[], Scalar> f = x => x[0] * Sin(x[1]);
        Scalar[] x = [1.0, 2.0];
        var grad = AD.Grad(f);
        Scalar[] g1 = grad(x), g2 = grad(x);
        Assert.NotSame(x, g1);
        Assert.NotSame(g1, g2);
        g1[0] = 999; // scribbling on a result changes nothing else
        Assert.Equal(Math.Sin(2.0), grad(x)[0].Value);
        Assert.Equal(Math.Sin(2.0), g2[0].Value);

        Func<Scalar[], Scalar[]> id = xs => xs; // returns its (internal) argument array
        var (y, t) = AD.Jvp(id, x, x);
        Assert.NotSame(x, y);
        Assert.NotSame(x, t);
        Assert.NotSame(y, t);
        var (yv, pullback) = AD.Vjp(id, x);
        Assert.NotSame(x, yv);
        Scalar[] u = [1.0, 1.0];
        Assert.NotSame(u, pullback(u));
        Assert.NotSame(x, AD.Hvp(f, x, x));
        Assert.Equal(new[] { 1.0, 2.0 }, x.ToDoubles());
    }
}
