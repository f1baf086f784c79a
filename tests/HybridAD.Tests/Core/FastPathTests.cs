using System.Runtime.CompilerServices;
using HybridAD.Core;
using static HybridAD.Scalar;

namespace HybridAD.Tests.Core;

/// <summary>
/// The inlined first-order paths of <see cref="Engine"/> (constant / forward / tape, both operands of one level or
/// one of them a constant) against the general paths and against analytic derivatives: every binary elemental
/// with each operand kind, symbolic zeros, escaped perturbations, the value layout.
/// </summary>
public class FastPathTests
{
    private static void Close(double expected, double actual, double rel = 1e-12) =>
        Assert.True(Math.Abs(expected - actual) <= rel * Math.Max(1, Math.Abs(expected)),
            $"expected {expected:R}, got {actual:R}");

    // (name, φ(a, b) on Scalars, ∂φ/∂a, ∂φ/∂b) at points away from kinks.
    public static TheoryData<string> Binaries => new() { "+", "-", "*", "/", "pow", "atan2", "min", "max", "hypot" };

    private static Scalar Apply(string op, Scalar a, Scalar b) => op switch
    {
        "+" => a + b,
        "-" => a - b,
        "*" => a * b,
        "/" => a / b,
        "pow" => Pow(a, b),
        "atan2" => Atan2(a, b),
        "min" => Min(a, b),
        "max" => Max(a, b),
        "hypot" => Hypot(a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private static (double DA, double DB) Partials(string op, double a, double b) => op switch
    {
        "+" => (1, 1),
        "-" => (1, -1),
        "*" => (b, a),
        "/" => (1 / b, -a / (b * b)),
        "pow" => (b * Math.Pow(a, b - 1), Math.Pow(a, b) * Math.Log(a)),
        "atan2" => (b / (a * a + b * b), -a / (a * a + b * b)),
        "min" => a < b ? (1, 0) : (0, 1),
        "max" => a > b ? (1, 0) : (0, 1),
        "hypot" => (a / Math.Sqrt(a * a + b * b), b / Math.Sqrt(a * a + b * b)),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private const double A = 1.3, B = 0.7;

    [Theory, MemberData(nameof(Binaries))]
    public void BothOperandsOfOneLevel(string op)
    {
        var (da, db) = Partials(op, A, B);
        Scalar[] g = AD.Grad(x => Apply(op, x[0], x[1]))([A, B]);
        Close(da, g[0].Value);
        Close(db, g[1].Value);
        var (y, t) = AD.Jvp(x => Apply(op, x[0], x[1]), [A, B], [2.0, -3.0]);
        Close(Apply(op, A, B).Value, y.Value);
        Close(2 * da - 3 * db, t.Value);
    }

    [Theory, MemberData(nameof(Binaries))]
    public void VariableAndConstant(string op)
    {
        var (da, db) = Partials(op, A, B);
        // The constant on the right, then on the left: the mixed fast paths, in both modes.
        Close(da, AD.Grad(x => Apply(op, x[0], B))([A])[0].Value);
        Close(db, AD.Grad(x => Apply(op, A, x[0]))([B])[0].Value);
        Close(da, AD.Derivative(x => Apply(op, x, B))(A).Value);
        Close(db, AD.Derivative(x => Apply(op, A, x))(B).Value);
        var (y, t) = AD.Jvp(x => Apply(op, x[0], B), [A], [2.0]);
        Close(Apply(op, A, B).Value, y.Value);
        Close(2 * da, t.Value);
    }

    [Theory, MemberData(nameof(Binaries))]
    public void SameValueOnBothSides(string op)
    {
        if (op is "min" or "max" or "atan2" or "hypot" or "pow") return; // ties / not needed: covered elsewhere
        var (da, db) = Partials(op, A, A);
        Close(da + db, AD.Grad(x => Apply(op, x[0], x[0]))([A])[0].Value);
        Close(da + db, AD.Derivative(x => Apply(op, x, x))(A).Value);
    }

    [Fact]
    public void ConstantsStayConstants()
    {
        Scalar y = Sin(new Scalar(2)) * 3 + Exp(1.5) / 2 - Pow(2, 0.5);
        Assert.True(y.IsConstant);
        Assert.Equal(Math.Sin(2) * 3 + Math.Exp(1.5) / 2 - Math.Pow(2, 0.5), y.Value);
    }

    [Fact]
    public void ZeroTangentIsASymbolicZero_Forward()
    {
        // √x has an infinite derivative at 0; with a zero tangent for x the product is 0, not ∞·0 = NaN.
        var (y, t) = AD.Jvp(x => Sqrt(x[0]) * x[1], [0.0, 2.0], [0.0, 1.0]);
        Assert.Equal(0.0, y.Value);
        Assert.Equal(0.0, t.Value);
        // A NaN tangent is kept (NaN in, NaN out).
        var (_, tn) = AD.Jvp(x => Sqrt(x[0]), [4.0], [double.NaN]);
        Assert.True(double.IsNaN(tn.Value));
    }

    [Fact]
    public void ZeroAdjointIsASymbolicZero_Reverse()
    {
        // The √x node gets a zero adjoint (its only use is multiplied by the constant 0): x̄ is 0, not ∞·0.
        Scalar[] g = AD.Grad(x => 0 * Sqrt(x[0]) + x[1])([0.0, 1.0]);
        Assert.Equal(0.0, g[0].Value);
        Assert.Equal(1.0, g[1].Value);
    }

    [Fact]
    public void EscapedForwardValue_WithAConstant_ThrowsWhenItReachesADerivative()
    {
        Scalar leaked = default;
        AD.Derivative(x => { leaked = x; return x * x; })(3.0);
        // Arithmetic with constants does no level lookup on the forward fast path (see Engine's remarks): the
        // primal is right, and the value still belongs to the finished call.
        Scalar doubled = leaked * 2, shifted = 2 + leaked;
        Assert.Equal(6.0, doubled.Value);
        Assert.Equal(5.0, shifted.Value);
        Assert.False(doubled.IsConstant);
        // Every way to a derivative throws: meeting a live value, being an output, being an input.
        Assert.Throws<PerturbationEscapedException>(() => AD.Derivative(y => y * leaked)(1.0));
        Assert.Throws<PerturbationEscapedException>(() => AD.Derivative(y => leaked * 2 + 0 * y)(1.0));
        Assert.Throws<PerturbationEscapedException>(() => AD.Derivative(y => doubled * y)(1.0));
        Assert.Throws<PerturbationEscapedException>(() => AD.Derivative(_ => doubled)(1.0));
        Assert.Throws<PerturbationEscapedException>(() => AD.Grad(x => x[0] + shifted)([1.0]));
        Assert.Throws<PerturbationEscapedException>(() => AD.Jvp(x => x[0] * 2, [doubled], [1.0]));
        Assert.Throws<PerturbationEscapedException>(() => AD.Grad(x => x[0] * 2)([shifted]));
    }

    [Fact]
    public void EscapedTapeValue_Throws()
    {
        Scalar leaked = default;
        AD.Grad(x => { leaked = x[0] * x[1]; return leaked; })([1.0, 2.0]);
        Assert.Throws<PerturbationEscapedException>(() => leaked * 2);
        Assert.Throws<PerturbationEscapedException>(() => leaked * leaked);
        Assert.Throws<PerturbationEscapedException>(() => Sin(leaked));
        Assert.Throws<PerturbationEscapedException>(() => AD.Grad(x => x[0] * leaked)([1.0]));
    }

    [Fact]
    public void ValueLayout_Is24BytesWithoutReferences()
    {
        Assert.Equal(24, Unsafe.SizeOf<Scalar>());
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<Scalar>());
    }

    [Fact]
    public void SameLevelOrConstant_IsEqualTagsOrAConstant_ForRealKeys()
    {
        // Real keys of open forward levels and tapes (with and without the nested flag), 0, and the keys of a
        // hundred closed levels: the one-multiply test must agree with the three compares it replaces.
        var open = new List<Level>();
        var tags = new List<long> { 0 };
        try
        {
            for (int i = 0; i < 100; i++)
            {
                Level l = i % 2 == 0 ? new ForwardLevel("test") : new Tape("test", pooled: false);
                tags.Add(l.Key);
                l.Close();
            }
            for (int i = 0; i < 6; i++) open.Add(i % 2 == 0 ? new ForwardLevel("test") : new Tape("test", pooled: false));
            foreach (Level l in open)
            {
                Assert.True((l.Key & 1) == 1, $"key {l.Key} is even");
                tags.Add(l.Key);
                tags.Add(l.Key | Scalar.NestedFlag);
            }
            foreach (long a in tags)
                foreach (long b in tags)
                    Assert.True(Level.SameLevelOrConstant(a, b) == (a == b || a == 0 || b == 0), $"tags {a:X} and {b:X}");
        }
        finally
        {
            foreach (Level l in open) l.Close();
        }
    }

    [Fact]
    public void ModeFields_ReadBackAsWritten()
    {
        var tape = new Tape("test");
        try
        {
            Scalar[] inputs = new Scalar[2];
            tape.Inputs([3.0, 4.0], inputs);
            Scalar p = inputs[0] * inputs[1];
            Assert.Equal(12.0, p.Value);
            Assert.Equal(tape.Key, p.Key);
            Assert.Equal(3, p.Slot); // sink, two inputs, then the product
            Assert.Equal(0.0, p.T);
            Assert.False(p.Nested);
            Assert.Equal(new TapeNode(1, 2, 4.0, 3.0), tape.Nodes[3]);
        }
        finally { tape.Release(); }

        var level = new ForwardLevel("test");
        try
        {
            Scalar d = level.Make(new Scalar(2.0), new Scalar(-0.5));
            Assert.Equal((2.0, -0.5, level.Key, -1, false), (d.Value, d.T, d.Key, d.Slot, d.Nested));
            Scalar c = new(7.0);
            Assert.Equal((0.0, 0L, -1, false), (c.T, c.Key, c.Slot, c.Nested));
        }
        finally { level.Close(); }
    }

    [Fact]
    public void TapeLog_SeesEveryRecordedOperation()
    {
        var tape = new Tape("test") { Log = new TapeLog(keepEntries: true) };
        try
        {
            Scalar[] inputs = new Scalar[2];
            tape.Inputs([3.0, 4.0], inputs);
            Scalar y = Sin(inputs[0] * inputs[1]) + 1;
            Assert.Equal(["input", "input", "*", "sin", "+"], tape.Log!.Entries.Select(e => e.Op));
            Assert.Equal(y.Slot, tape.Log.Entries[^1].Node);
            Assert.Equal(Math.Sin(12) + 1, tape.Log.Entries[^1].Value);
        }
        finally { tape.Release(); }
    }

    [Fact]
    public void InputsAfterOperations_AreSwept()
    {
        // Inputs recorded after an operation sit above the leaf prefix; the sweep must still reach them.
        var tape = new Tape("test");
        try
        {
            Scalar a = tape.Input(new Scalar(2.0));
            Scalar sq = a * a;
            Scalar b = tape.Input(new Scalar(5.0));
            Scalar y = sq * b; // ∂y/∂a = 2ab = 20, ∂y/∂b = a² = 4
            var adj = new double[tape.Count];
            adj[y.Slot] = 1;
            tape.Sweep(adj);
            Assert.Equal(20.0, adj[a.Slot]);
            Assert.Equal(4.0, adj[b.Slot]);
        }
        finally { tape.Release(); }
    }
}
