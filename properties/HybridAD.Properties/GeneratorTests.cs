using FsCheck;
using FsCheck.Fluent;
using HybridAD.Properties.Programs;
using HybridAD.Rules;

namespace HybridAD.Properties;

/// <summary>The random-program generator, shrinker and printer themselves: coverage of every rule, shared
/// values, depth, validity, minimal shrinking, readable printing, seed parsing.</summary>
public class GeneratorTests
{
    private static List<RandomProgram> Sample(ProgramShape shape, int count, int seed = 1)
    {
        var rng = new Random(seed);
        var programs = new List<RandomProgram>();
        for (int i = 0; i < count; i++) programs.Add(ProgramGenerator.Generate(new Random(rng.Next()), shape, i % 101));
        return programs;
    }

    [Fact]
    public void ThePoolHoldsEveryCatalogRuleAndTheCustomRules()
    {
        var names = OpPool.All.Select(o => o.Name).ToList();
        foreach (ElementalRule rule in RuleCatalog.Elementals) Assert.Contains(rule.Name, names);
        Assert.Equal(RuleCatalog.Elementals.Count + 3, OpPool.All.Count);
        Assert.Equal(3, OpPool.All.Count(o => o.IsCustom));
        Assert.Contains(OpPool.All, o => o.Arity == 3); // the n-ary custom rule
    }

    [Fact]
    public void EveryRuleIsGeneratedOften()
    {
        var counts = new int[OpPool.All.Count];
        foreach (RandomProgram p in Sample(ProgramShape.Vector, 2000))
            for (int k = p.InputCount; k < p.Nodes.Length; k++) counts[p.Nodes[k].Op]++;
        for (int i = 0; i < counts.Length; i++)
            Assert.True(counts[i] >= 50, $"{OpPool.All[i].Name} was generated only {counts[i]} times in 2000 programs");
    }

    [Fact]
    public void ProgramsAreValidDagsWithSharedValuesUpToDepthEight()
    {
        List<RandomProgram> programs = Sample(ProgramShape.Vector, 2000, seed: 2);
        Assert.All(programs, p => Assert.True(p.IsValid(), p.ToString()));
        Assert.All(programs, p => Assert.InRange(p.Depth(), 0, ProgramGenerator.MaxDepth));
        Assert.Contains(programs, p => p.Depth() == ProgramGenerator.MaxDepth);
        int shared = programs.Count(p => p.SharedNodeCount() > 0);
        Assert.True(shared > programs.Count / 3, $"only {shared} of {programs.Count} programs share a value");
        Assert.Contains(programs, p => p.SharedNodeCount() >= 3);
        Assert.Contains(programs, p => p.InputCount == 4 && p.Outputs.Length == 3);
        Assert.Contains(programs, p => p.OperationCount >= 20);
        foreach (RandomProgram p in programs)
        {
            // DAG: every argument is an earlier node; every operation's arguments are in its domain at the point.
            for (int k = p.InputCount; k < p.Nodes.Length; k++) Assert.All(p.Nodes[k].Args, a => Assert.True(a < k));
            Assert.Equal(p.Point.Length, p.InputCount);
            Assert.Equal(p.Direction.Length, p.InputCount);
            Assert.Equal(p.Cotangent.Length, p.Outputs.Length);
        }
        Assert.All(Sample(ProgramShape.Univariate, 200), p => Assert.Equal(1, p.InputCount));
    }

    [Fact]
    public void EveryShrinkCandidateIsValidAndStrictlySmaller()
    {
        foreach (RandomProgram p in Sample(ProgramShape.Vector, 150, seed: 3))
            foreach (RandomProgram c in ProgramGenerator.Shrink(p))
            {
                Assert.True(c.IsValid(), c.ToString());
                Assert.True(ProgramGenerator.Smaller(c, p), $"{c}\nis not smaller than\n{p}");
            }
    }

    [Fact]
    public void ShrinkingFindsAMinimalFailingProgramPrintedAsAnExpression()
    {
        // A deliberately false property: "no program uses sin". FsCheck must shrink a counterexample to sin(x0).
        int sin = OpPool.IndexOf("sin");
        Property property = Prop.ForAll(PropertyRunner.Programs(ProgramShape.Vector),
            (RandomProgram p) => p.Nodes.All(n => n.Op != sin));
        var e = Assert.ThrowsAny<Exception>(() =>
            FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000).WithReplay(7, 11).WithQuietOnSuccess(true), property));
        string shrunk = e.Message[e.Message.IndexOf("Shrunk:", StringComparison.Ordinal)..];
        Assert.Contains("1 input, 1 operation, depth 1, 1 output:", shrunk);
        Assert.Contains("y0 = sin(x0)", shrunk);
        Assert.Contains("at x = [0], v = [", shrunk);
    }

    [Fact]
    public void PrinterNamesSharedValuesAndInlinesTheRest()
    {
        int sin = OpPool.IndexOf("sin"), mul = OpPool.IndexOf("*"), log = OpPool.IndexOf("log"), powc = OpPool.IndexOf("powc");
        var p = new RandomProgram(2,
            [Node.Input, Node.Input,
             new Node(sin, [0], [0], 0),
             new Node(mul, [2, 2], [0, 0], 0),
             new Node(log, [1], [1.5], 0),
             new Node(powc, [3], [0.25], 2.5)],
            [4, 5], [0.5, -1], [1, 0], [1, -0.5]);
        Assert.True(p.IsValid());
        Assert.Equal(
            "2 inputs, 4 operations, depth 3, 2 outputs:\n" +
            "  t2 = sin(x0)\n" +
            "  y0 = log((x1 + 1.5))\n" +
            "  y1 = ((t2 * t2) + 0.25)^2.5\n" +
            "  at x = [0.5, -1], v = [1, 0], u = [1, -0.5]",
            p.ToString().Replace("\r\n", "\n"));
        Scalar[] y = p.Run([0.5, -1.0]);
        Assert.Equal(Math.Log(0.5), y[0].Value, 15);
        Assert.Equal(Math.Pow(Math.Sin(0.5) * Math.Sin(0.5) + 0.25, 2.5), y[1].Value, 15);
    }

    [Fact]
    public void SeedsParseAndReplay()
    {
        Assert.Equal(PropertyRunner.DefaultSeed, PropertyRunner.ParseSeed(null));
        Assert.Equal(PropertyRunner.DefaultSeed, PropertyRunner.ParseSeed(" "));
        Assert.Equal((123UL, 457UL), PropertyRunner.ParseSeed("123,457"));
        Assert.Equal((123UL, 457UL), PropertyRunner.ParseSeed("(123, 456)")); // gamma made odd
        Assert.Equal((99UL, PropertyRunner.DefaultSeed.Gamma), PropertyRunner.ParseSeed("99"));
        Assert.Equal(1UL, PropertyRunner.ParseSeed("random").Gamma & 1);
        Assert.Throws<ArgumentException>(() => PropertyRunner.ParseSeed("twelve"));

        // The same seed generates the same programs: a run is replayable.
        Gen<RandomProgram> gen = PropertyRunner.Programs(ProgramShape.Vector).Generator;
        string[] a = gen.Sample(20, new Rnd(42, 43), 50).Select(p => p.ToString()).ToArray();
        string[] b = gen.Sample(20, new Rnd(42, 43), 50).Select(p => p.ToString()).ToArray();
        Assert.Equal(a, b);
    }
}
