using HybridAD.Training;

namespace HybridAD.Tests.Training;

public class PrngTests
{
    [Fact]
    public void SplitMix64_MatchesReferenceVector()
    {
        // Reference outputs of SplitMix64 from state 0 (Vigna's splitmix64.c).
        ulong s = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, Prng.SplitMixNext(ref s));
        Assert.Equal(0x6E789E6AA1B965F4UL, Prng.SplitMixNext(ref s));
        Assert.Equal(0x06C45D188009454FUL, Prng.SplitMixNext(ref s));
    }

    [Fact]
    public void Xoshiro256StarStar_MatchesReferenceVector()
    {
        // Reference outputs of xoshiro256** from the state (1, 2, 3, 4); the first is rotl(2·5, 7)·9 = 11520.
        var rng = new Prng(1, 2, 3, 4);
        ulong[] expected = [11520, 0, 1509978240, 1215971899390074240, 1216172134540287360, 607988272756665600];
        foreach (ulong e in expected) Assert.Equal(e, rng.NextUInt64());
    }

    [Fact]
    public void SameSeed_SameSequence_DifferentSeedOrStream_Different()
    {
        var a = new Prng(42);
        var b = new Prng(42);
        var c = new Prng(43);
        var d = new Prng(42, stream: 1);
        var xa = Enumerable.Range(0, 8).Select(_ => a.NextUInt64()).ToArray();
        Assert.Equal(xa, Enumerable.Range(0, 8).Select(_ => b.NextUInt64()).ToArray());
        Assert.NotEqual(xa, Enumerable.Range(0, 8).Select(_ => c.NextUInt64()).ToArray());
        Assert.NotEqual(xa, Enumerable.Range(0, 8).Select(_ => d.NextUInt64()).ToArray());
    }

    [Fact]
    public void Uniform_HasTheRightMoments()
    {
        var rng = new Prng(7);
        const int n = 200_000;
        double sum = 0, sq = 0, min = 1, max = 0;
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble();
            sum += u; sq += u * u;
            min = Math.Min(min, u); max = Math.Max(max, u);
        }
        double mean = sum / n, variance = sq / n - mean * mean;
        Assert.InRange(min, 0.0, 1e-4);
        Assert.InRange(max, 1 - 1e-4, 0.9999999999999999);
        Assert.InRange(mean, 0.5 - 0.003, 0.5 + 0.003);          // σ/√n ≈ 0.00065
        Assert.InRange(variance, 1.0 / 12 - 0.002, 1.0 / 12 + 0.002);
    }

    [Fact]
    public void Normal_HasTheRightMoments()
    {
        var rng = new Prng(11);
        const int n = 200_000;
        double sum = 0, sq = 0, within1 = 0;
        for (int i = 0; i < n; i++)
        {
            double z = rng.NextNormal();
            sum += z; sq += z * z;
            if (Math.Abs(z) < 1) within1++;
        }
        double mean = sum / n, variance = sq / n - mean * mean;
        Assert.InRange(mean, -0.01, 0.01);                         // σ/√n ≈ 0.0022
        Assert.InRange(variance, 0.98, 1.02);
        Assert.InRange(within1 / n, 0.6827 - 0.005, 0.6827 + 0.005); // P(|Z| < 1)
    }

    [Fact]
    public void NextInt_IsUniformOverItsRange()
    {
        var rng = new Prng(3);
        var counts = new int[7];
        for (int i = 0; i < 70_000; i++) counts[rng.NextInt(7)]++;
        foreach (int c in counts) Assert.InRange(c, 10_000 - 500, 10_000 + 500);
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(0));
    }

    [Fact]
    public void Permutation_IsAPermutation_AndSeeded()
    {
        int[] p = new Prng(9).Permutation(100);
        Assert.Equal(Enumerable.Range(0, 100), p.Order());
        Assert.NotEqual(Enumerable.Range(0, 100), p);
        Assert.Equal(p, new Prng(9).Permutation(100));
    }
}

public class InitializerTests
{
    [Fact]
    public void XavierUniform_StaysWithinItsLimit_AndFillsIt()
    {
        // r = √(6 / (64 + 32)) = √0.0625 = 0.25
        double[] w = Initializer.XavierUniform.Sample(fanOut: 32, fanIn: 64, new Prng(1));
        Assert.Equal(32 * 64, w.Length);
        Assert.All(w, v => Assert.InRange(v, -0.25, 0.25));
        Assert.True(w.Max() > 0.24 && w.Min() < -0.24);
        // Var U(−r, r) = r²/3 = 0.0208333
        double var = w.Select(v => v * v).Average();
        Assert.InRange(var, 0.0208333 * 0.9, 0.0208333 * 1.1);
    }

    [Fact]
    public void HeUniform_Limit_Is_Sqrt6OverFanIn()
    {
        // r = √(6 / 24) = 0.5
        double[] w = Initializer.HeUniform.Sample(fanOut: 200, fanIn: 24, new Prng(2));
        Assert.All(w, v => Assert.InRange(v, -0.5, 0.5));
        Assert.True(w.Max() > 0.49 && w.Min() < -0.49);
    }

    [Theory]
    [InlineData("xavier-normal", 100, 300, 0.0050)]   // 2 / (100 + 300)
    [InlineData("he-normal", 50, 200, 0.04)]          // 2 / 50
    [InlineData("normal:0:0.1", 200, 200, 0.01)]
    public void NormalInitializers_HaveTheirVariance(string name, int fanIn, int fanOut, double variance)
    {
        double[] w = Initializer.Parse(name).Sample(fanOut, fanIn, new Prng(3));
        double mean = w.Average();
        double v = w.Select(x => (x - mean) * (x - mean)).Average();
        int n = w.Length;
        double meanTol = 5 * Math.Sqrt(variance / n);           // 5 standard errors of the mean
        double varTol = 5 * variance * Math.Sqrt(2.0 / n);      // 5 standard errors of the variance
        Assert.InRange(mean, -meanTol, meanTol);
        Assert.InRange(v, variance - varTol, variance + varTol);
    }

    [Fact]
    public void Uniform_AndConstant()
    {
        double[] w = Initializer.Uniform(2, 3).Sample(10, 10, new Prng(4));
        Assert.All(w, v => Assert.InRange(v, 2.0, 3.0));
        Assert.All(Initializer.Constant(0.5).Sample(3, 4, new Prng(4)), v => Assert.Equal(0.5, v));
        Assert.All(Initializer.Zeros.Sample(3, 4, new Prng(4)), v => Assert.Equal(0.0, v));
        Assert.Throws<ArgumentException>(() => Initializer.Uniform(1, 1));
    }

    [Fact]
    public void SameSeed_SameWeights()
    {
        var a = Initializer.HeNormal.Sample(8, 8, new Prng(123));
        var b = Initializer.HeNormal.Sample(8, 8, new Prng(123));
        var c = Initializer.HeNormal.Sample(8, 8, new Prng(124));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Parse_KnowsTheNames_AndRejectsOthers()
    {
        Assert.Same(Initializer.XavierUniform, Initializer.Parse("glorot"));
        Assert.Same(Initializer.HeNormal, Initializer.Parse("Kaiming-Normal"));
        var e = Assert.Throws<ArgumentException>(() => Initializer.Parse("lecun"));
        Assert.Contains("expected xavier-uniform", e.Message);
        Assert.Throws<ArgumentException>(() => Initializer.Parse("uniform:1"));
    }

    [Fact]
    public void For_PicksHeForRelu_XavierOtherwise()
    {
        Assert.Same(Initializer.HeUniform, Initializer.For(Activation.Relu));
        Assert.Same(Initializer.XavierUniform, Initializer.For(Activation.Tanh));
    }
}
