namespace HybridAD.Tests;

/// <summary>Numeric assertions shared by the tests.</summary>
internal static class Approx
{
    /// <summary>|expected − actual| ≤ rel·|expected| (pure relative; equal values, including equal
    /// infinities, always pass; NaN never passes unless both are NaN).</summary>
    internal static void Rel(double expected, double actual, double rel = 1e-12, string? what = null)
    {
        if (expected.Equals(actual)) return; // also NaN == NaN and ±∞
        double diff = Math.Abs(expected - actual);
        Assert.True(diff <= rel * Math.Abs(expected),
            $"{what}{(what is null ? "" : ": ")}expected {expected:R}, got {actual:R} (relative error {diff / Math.Abs(expected):E3}, allowed {rel:E1})");
    }

    /// <summary>|expected − actual| ≤ abs.</summary>
    internal static void Abs(double expected, double actual, double abs, string? what = null)
    {
        if (expected.Equals(actual)) return;
        double diff = Math.Abs(expected - actual);
        Assert.True(diff <= abs,
            $"{what}{(what is null ? "" : ": ")}expected {expected:R}, got {actual:R} (absolute error {diff:E3}, allowed {abs:E1})");
    }

    internal static void Rel(double[] expected, double[] actual, double rel = 1e-12, string? what = null)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Rel(expected[i], actual[i], rel, $"{what}[{i}]");
    }

    internal static void Rel(double[] expected, Scalar[] actual, double rel = 1e-12, string? what = null) =>
        Rel(expected, actual.ToDoubles(), rel, what);

    internal static void Rel(double[,] expected, double[,] actual, double rel = 1e-12, string? what = null)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                Rel(expected[i, j], actual[i, j], rel, $"{what}[{i},{j}]");
    }

    /// <summary>Matrices equal up to rel relative to the largest entry of <paramref name="expected"/>
    /// (entries that cancel to ~0 are compared at the matrix's scale).</summary>
    internal static void Matrix(double[,] expected, double[,] actual, double rel = 1e-12, string? what = null)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        double scale = 0;
        foreach (double e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                Abs(expected[i, j], actual[i, j], rel * scale, $"{what}[{i},{j}]");
    }

    internal static void IsNaN(double actual, string what) =>
        Assert.True(double.IsNaN(actual), $"{what}: expected NaN, got {actual:R}");

    /// <summary>The unit vector eᵢ of length n.</summary>
    internal static Scalar[] Unit(int n, int i)
    {
        var e = new Scalar[n];
        e[i] = 1;
        return e;
    }
}
