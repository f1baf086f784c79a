namespace HybridAD.Tests.ADTests;

/// <summary><see cref="AD.Hvp"/>: H·v without forming H.</summary>
public class HvpTests
{
    [Fact]
    public void EqualsHTimesV_OnRosenbrock()
    {
        double[] x = HessianTests.RosenbrockPoint(10);
        double[,] h = AD.Hessian(HessianTests.Rosenbrock, x);
        foreach (double[] v in new[] { Enumerable.Range(0, 10).Select(i => Math.Cos(3.0 * i)).ToArray(), new double[10] })
        {
            Scalar[] hv = AD.Hvp(HessianTests.Rosenbrock, x.ToScalars(), v.ToScalars());
            var expected = new double[10];
            double scale = 0;
            for (int i = 0; i < 10; i++)
                for (int j = 0; j < 10; j++)
                {
                    expected[i] += h[i, j] * v[j];
                    scale = Math.Max(scale, Math.Abs(h[i, j] * v[j]));
                }
            for (int i = 0; i < 10; i++) Approx.Abs(expected[i], hv[i].Value, 1e-13 * scale, $"(Hv)[{i}]");
        }
        // a unit vector picks a column exactly
        Scalar[] col3 = AD.Hvp(HessianTests.Rosenbrock, x.ToScalars(), Approx.Unit(10, 3));
        for (int i = 0; i < 10; i++) Assert.Equal(h[i, 3], col3[i].Value);
    }

    [Fact]
    public void SmallExample_FromTheDocs()
    {
        Scalar[] hv = AD.Hvp(x => x[0] * x[0] * x[1], new Scalar[] { 1.0, 2.0 }, new Scalar[] { 1.0, 0.0 });
        Assert.Equal(new[] { 4.0, 2.0 }, hv.ToDoubles());
    }
}
