using HybridAD.Core;
using HybridAD.Selection;

namespace HybridAD.Tests.Selection;

/// <summary>Cost weights, the tensor-op hook, and the calibration's measurement and cache.</summary>
public class CostCalibrationTests
{
    [Fact]
    public void Weights_AreKeyedByRule_AndRegistrable()
    {
        Assert.True(CostWeights.Of("tanh").Primal > CostWeights.Of("+").Primal);
        Assert.Equal(CostWeights.Unknown, CostWeights.Of("no-such-rule-" + Guid.NewGuid()));
        string rule = "test-op-" + Guid.NewGuid();
        CostWeights.Register(rule, new OpCost(3, 4, 5));
        Assert.Equal(new OpCost(3, 4, 5), CostWeights.Of(rule));
        Assert.Equal(new OpCost(3, 4, 5), CostWeights.All[rule]);
        var e = Assert.Throws<ArgumentException>(() => CostWeights.Register(rule, new OpCost(-1, 0, 0)));
        Assert.Contains("non-negative", e.Message);
        Assert.Throws<ArgumentException>(() => CostWeights.Register(rule, new OpCost(double.NaN, 0, 0)));
    }

    [Fact]
    public void TensorOps_ReportWorkUnits_ThroughTheTapeLog()
    {
        // How a tensor op will be costed: it logs its rule with its element (or flop) count as units.
        string matmul = "test-matmul-" + Guid.NewGuid();
        CostWeights.Register(matmul, new OpCost(0.5, 0.5, 1));
        var log = new TapeLog(keepEntries: false);
        log.Work(matmul, units: 2.0 * 64 * 64 * 64, extraBytes: 64 * 64 * 8);
        log.Op(1, matmul, 0, 0, units: 1000);
        log.Work("+", 1);
        OpTally[] tallies = log.Tallies;
        OpTally t = tallies.Single(x => x.Rule == matmul);
        Assert.Equal(2, t.Count);
        Assert.Equal(2.0 * 64 * 64 * 64 + 1000, t.Units);
        Assert.Equal(64 * 64 * 8, t.ExtraBytes);
        var rules = tallies.Select(x => new RuleWork(x.Rule, x.Count, x.Units, CostWeights.Of(x.Rule))).ToArray();
        var profile = new FunctionProfile(4, 4, 3, [.. rules], t.ExtraBytes);
        Assert.Equal(0.5 * t.Units + 1, profile.PrimalWork, 9);
        Assert.Equal(3 * 24 + 64 * 64 * 8, profile.TapeBytes);
    }

    [Fact]
    public void Cache_RoundTrips_AndRejectsOtherMachinesAndJunk()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hybridad-cal-" + Guid.NewGuid());
        string path = Path.Combine(dir, "calibration.json");
        try
        {
            CostCalibration mine = CostCalibration.Reference with { Fingerprint = CostCalibration.MachineFingerprint, Source = "measured", WTan = 2.25 };
            Assert.True(mine.TrySave(path));
            CostCalibration? loaded = CostCalibration.Load(path);
            Assert.NotNull(loaded);
            Assert.Equal("cache", loaded!.Source);
            Assert.Equal(mine with { Source = "cache" }, loaded);

            Assert.True((mine with { Fingerprint = "another machine" }).TrySave(path));
            Assert.Null(CostCalibration.Load(path));
            Assert.False((mine with { NsPerAdjointUnit = double.NaN }).TrySave(path));
            File.WriteAllText(path, File.ReadAllText(path).Replace("\"Fingerprint\": \"another machine\"",
                $"\"Fingerprint\": \"{CostCalibration.MachineFingerprint}\"").Replace("\"NsPerAdjointUnit\": 3", "\"NsPerAdjointUnit\": 0"));
            Assert.Contains("\"NsPerAdjointUnit\": 0", File.ReadAllText(path));
            Assert.Null(CostCalibration.Load(path)); // this machine's, but a zero rate
            File.WriteAllText(path, "{ not json");
            Assert.Null(CostCalibration.Load(path));
            Assert.Null(CostCalibration.Load(Path.Combine(dir, "missing.json")));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Measurement_GivesPlausibleRates()
    {
        // Timing decides nothing here: only that the measurement runs and yields finite positive rates
        // consistent with its own w_tan (a Jvp costs at least a primal evaluation).
        CostCalibration c = CostCalibration.MeasureWithoutSaving();
        Assert.True(c.IsPlausible(), c.ToString());
        Assert.Equal("measured", c.Source);
        Assert.Equal(CostCalibration.MachineFingerprint, c.Fingerprint);
        Assert.True(c.WTan >= 1 && c.WGrad >= 1, c.ToString());
    }

    [Fact]
    public void ThreadClock_Advances()
    {
        double t0 = ThreadClock.NowNs();
        double s = 0;
        for (int i = 0; i < 200_000; i++) s += Math.Sqrt(i);
        Assert.True(ThreadClock.NowNs() > t0, s.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void PerCallNs_OnTheWallClock_CountsTimeTheCallingThreadSpendsWaiting()
    {
        // Parallel work (the GEMM, large elementwise passes) leaves the calling thread waiting for the others; its
        // CPU clock would miss that time. A call that sleeps 2 ms is the extreme case: the wall clock sees at least
        // 2 ms, the thread's CPU clock next to nothing.
        double wall = CostCalibration.Calibrator.PerCallNs(() => Thread.Sleep(2), wallClock: true);
        Assert.True(wall >= 2e6, $"wall clock: {wall} ns per call, expected at least 2e6");
        double t0 = ThreadClock.NowNs();
        Thread.Sleep(20);
        double cpu = ThreadClock.NowNs() - t0;
        Assert.True(cpu < 10e6, $"CPU clock: {cpu} ns for a 20 ms sleep");
    }
}
