using System.Text.Json;
using HybridAD.Cli.Commands;
using HybridAD.Cli.Commands.Compare;

namespace HybridAD.Tests.Cli;

/// <summary><c>hybridad compare</c>: the A·tanh(B·x) family against its closed form, and the JSON it prints.</summary>
public class CompareCommandTests
{
    [Theory]
    [InlineData(3, 4)]
    [InlineData(5, 2)]
    [InlineData(1, 3)]
    public void Jacobians_MatchTheClosedForm(int n, int m)
    {
        var layer = new TanhLayer(n, m);
        double[,] exact = layer.ClosedFormJacobian(layer.X);
        foreach (JacobianMode mode in new[] { JacobianMode.Forward, JacobianMode.Reverse, JacobianMode.Auto })
        {
            double[,] j = AD.Jacobian(layer.Evaluate, layer.X, mode);
            Assert.Equal((m, n), (j.GetLength(0), j.GetLength(1)));
            double maxErr = 0;
            for (int k = 0; k < m; k++)
                for (int i = 0; i < n; i++) maxErr = Math.Max(maxErr, Math.Abs(j[k, i] - exact[k, i]));
            Assert.True(maxErr < 1e-13, $"{mode}: max |J − A·diag(1 − tanh²(Bx))·B| = {maxErr:E2}");
        }
        // The closed form itself against central differences of the double-precision primal.
        const double h = 1e-6;
        for (int i = 0; i < n; i++)
        {
            double[] xp = (double[])layer.X.Clone(), xm = (double[])layer.X.Clone();
            xp[i] += h;
            xm[i] -= h;
            double[] yp = layer.Primal(xp), ym = layer.Primal(xm);
            for (int k = 0; k < m; k++) Assert.Equal(exact[k, i], (yp[k] - ym[k]) / (2 * h), 8);
        }
    }

    [Fact]
    public void Family_IsDeterministic_AndScaled()
    {
        var a = new TanhLayer(7, 3);
        var b = new TanhLayer(7, 3);
        Assert.Equal(a.Primal(a.X), b.Primal(b.X));
        Assert.Equal(0.1 * Math.Cos(6), a.X[6]);
        Assert.Equal(a.Primal(a.X), a.Evaluate(a.X.ToScalars()).ToDoubles());
        Assert.Throws<ArgumentException>(() => a.Evaluate(new Scalar[2]));
    }

    [Fact]
    public void Json_HasTheIssuesFields()
    {
        CompareCommand.Result r = CompareCommand.Run(4, 3, minMs: 1);
        using JsonDocument doc = JsonDocument.Parse(r.Json());
        JsonElement o = doc.RootElement;
        Assert.Equal(["n", "m", "primal_ms", "forward_ms", "reverse_ms", "predicted_forward_ms", "predicted_reverse_ms", "auto_mode"],
            o.EnumerateObject().Select(p => p.Name));
        Assert.Equal(4, o.GetProperty("n").GetInt32());
        Assert.Equal(3, o.GetProperty("m").GetInt32());
        foreach (string f in new[] { "primal_ms", "forward_ms", "reverse_ms", "predicted_forward_ms", "predicted_reverse_ms" })
            Assert.True(o.GetProperty(f).GetDouble() > 0, f);
        Assert.Contains(o.GetProperty("auto_mode").GetString(), new[] { "forward", "reverse" });
        Assert.Equal(r.Decision.Mode == JacobianMode.Forward ? "forward" : "reverse", o.GetProperty("auto_mode").GetString());
    }

    [Fact]
    public void DefaultGrid_IsTheTensorIssuesNineShapes()
    {
        Assert.Equal([(1, 1000), (10, 1000), (100, 1000), (1000, 1000), (1000, 100), (1000, 10), (1000, 1), (100, 100), (10, 10)],
            CompareCommand.DefaultShapes);
    }
}
