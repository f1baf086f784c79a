using System.Runtime.CompilerServices;
using System.Text.Json;
using HybridAD.Cli.Commands.Bench;
using HybridAD.Core;

namespace HybridAD.Tests.Cli.Bench;

/// <summary>The floors behind <c>hybridad bench scalar-floors</c> compute what they stand for: the plain and tagged
/// dual loops give Rosenbrock's value and ∇f·v (as HybridAD's JVP does, bit for bit: the same operations in the same
/// order), and the tape-traffic pass moves a tape of the gradient's size with a known checksum.</summary>
public class ScalarFloorsBenchTests
{
    private const int N = 100_000;

    [Fact]
    public void DualFloors_ComputeTheSameJvpAsHybridAD()
    {
        double[] x = RosenbrockScalar.Point(N);
        double[] v = new double[N];
        for (int i = 0; i < N; i++) v[i] = Math.Cos(i); // not all ones: a tangent that tells the inputs apart
        var (value, tangent) = AD.Jvp(RosenbrockScalar.F, x.ToScalars(), v.ToScalars());

        var plain = ScalarFloors.PlainJvp(x, v, new ScalarFloors.PlainDual[N]);
        var tagged = ScalarFloors.TaggedJvp(x, v, new ScalarFloors.TaggedDual[N]);
        Assert.Equal(RosenbrockScalar.Primal(x), plain.Value);
        Assert.Equal(value.Value, plain.Value);
        Assert.Equal(value.Value, tagged.Value);
        // The engine adds ∂φ/∂a·ȧ + ∂φ/∂b·ḃ with partials 1, −1, b, a: the same products and sums as the floors'.
        Assert.Equal(tangent.Value, plain.Tangent, 1e-12 * Math.Abs(tangent.Value));
        Assert.Equal(plain.Tangent, tagged.Tangent);
    }

    [Fact]
    public void DualFloors_RejectMismatchedLengths()
    {
        var e = Assert.Throws<ArgumentException>(() => ScalarFloors.PlainJvp([1, 2, 3], [1, 2], new ScalarFloors.PlainDual[3]));
        Assert.Contains("got 3, 2 and 3", e.Message);
    }

    [Fact]
    public void TapeTraffic_MovesTheGradientsTapeSize_WithItsChecksum()
    {
        int count = ScalarFloors.TapeNodes(N);
        Assert.Equal(N + 8L * (N - 1) + 1, count);
        Assert.Equal(24, Unsafe.SizeOf<TapeNode>());
        var nodes = new TapeNode[count];
        double expected = (double)count * (count - 1) / 2 + count * 0.5;
        Assert.Equal(expected, ScalarFloors.TapeTraffic(nodes, count));
        Assert.Throws<ArgumentException>(() => ScalarFloors.TapeTraffic(nodes, count + 1));
    }

    [Fact]
    public void Json_HasEveryField()
    {
        var r = new ScalarFloorsBench.Result(10, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7);
        using var doc = JsonDocument.Parse(ScalarFloorsBench.ToJson(r));
        var root = doc.RootElement;
        Assert.Equal("scalar-floors", root.GetProperty("workload").GetString());
        Assert.Equal(10, root.GetProperty("n").GetInt32());
        string[] names = ["primal_ms", "hand_grad_ms", "plain_dual_ms", "tagged_dual_ms", "tape_traffic_ms", "jvp_ms", "grad_ms"];
        double[] values = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
        for (int i = 0; i < names.Length; i++) Assert.Equal(values[i], root.GetProperty(names[i]).GetDouble());
    }
}
