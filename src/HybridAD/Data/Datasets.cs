using System.Collections.Immutable;
using System.Numerics.Tensors;

namespace HybridAD.Data;

/// <summary>
/// Two real, public data sets embedded in the library, parsed once on first use and shared (they are immutable).
/// </summary>
/// <remarks>
/// <para><b>Attribution.</b> Both are redistributed as in scikit-learn (BSD-licensed package); the data
/// themselves come from the UCI Machine Learning Repository under CC BY 4.0:</para>
/// <list type="bullet">
/// <item><description><b>Digits</b> — "Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak (1998),
/// UCI Machine Learning Repository, test portion, as <c>sklearn.datasets.load_digits</c>: 1797 8×8 images (64 pixel
/// values 0..16, row-major) of the digits 0–9.</description></item>
/// <item><description><b>Iris</b> — R. A. Fisher (1936), "The use of multiple measurements in taxonomic problems",
/// via the UCI Machine Learning Repository, as <c>sklearn.datasets.load_iris</c>: 150 flowers, 4 measurements
/// in cm, 3 species.</description></item>
/// </list>
/// <para>The same text is in <see cref="Attribution"/> and in the repository's NOTICE file; keep it with any
/// redistribution of the data.</para>
/// </remarks>
/// <example><code>
/// DataSplit digits = Datasets.Digits();   // 1500 train / 297 test, 64 features in [0, 1], 10 classes
/// Dataset iris = Datasets.Iris();         // 150 × 4, classes setosa / versicolor / virginica
/// DataSplit irisSplit = SplitSpec.TestFraction(0.2, seed: 1, stratified: true).Apply(iris);
/// </code></example>
public static class Datasets
{
    /// <summary>The attribution of the embedded data sets (also in NOTICE).</summary>
    public const string Attribution =
        "Digits: \"Optical Recognition of Handwritten Digits\", E. Alpaydin and C. Kaynak (1998), UCI Machine Learning " +
        "Repository (CC BY 4.0), test portion, as redistributed by scikit-learn (sklearn.datasets.load_digits, BSD). " +
        "Iris: R. A. Fisher (1936), UCI Machine Learning Repository (CC BY 4.0), as redistributed by scikit-learn " +
        "(sklearn.datasets.load_iris, BSD).";

    /// <summary>The number of digits examples used for training by convention (the rest, 297, are the test set).</summary>
    public const int DigitsTrainCount = 1500;

    /// <summary>The Iris class names, in label order.</summary>
    public static ImmutableArray<string> IrisClassNames { get; } = ["setosa", "versicolor", "virginica"];

    private static readonly Lazy<Dataset> DigitsAllLazy = new(LoadDigits, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<DataSplit> DigitsSplitLazy = new(
        () => SplitSpec.TestCount(DigitsAllLazy.Value.Count - DigitsTrainCount).Apply(DigitsAllLazy.Value),
        LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<Dataset> IrisLazy = new(LoadIris, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// All 1797 digits: 64 features (8×8 pixels, row-major) divided by 16 so they lie in [0, 1], labels 0–9,
    /// in file order.
    /// </summary>
    public static Dataset DigitsAll() => DigitsAllLazy.Value;

    /// <summary>The conventional digits split: the first 1500 examples train, the last 297 test (file order,
    /// features in [0, 1]; no further transform).</summary>
    public static DataSplit Digits() => DigitsSplitLazy.Value;

    /// <summary>All 150 Iris flowers: sepal length, sepal width, petal length, petal width (cm, unscaled);
    /// labels 0 = setosa, 1 = versicolor, 2 = virginica; sorted by class as in the source (shuffle or stratify
    /// before splitting).</summary>
    public static Dataset Iris() => IrisLazy.Value;

    /// <summary>Looks a built-in data set up by name ("digits" or "iris"), or returns null.</summary>
    public static Dataset? ByName(string name) => name.Trim().ToLowerInvariant() switch
    {
        "digits" => DigitsAll(),
        "iris" => Iris(),
        _ => null,
    };

    private static Dataset LoadDigits()
    {
        var raw = ReadResource("digits.csv", new CsvOptions { Header = CsvHeader.Absent, ClassCount = 10 });
        var x = raw.FeatureMatrix();
        TensorPrimitives.Divide(x, 16.0, x);
        var names = ImmutableArray.CreateBuilder<string>(64);
        for (int r = 0; r < 8; r++)
            for (int c = 0; c < 8; c++)
                names.Add($"pixel_{r}_{c}");
        return new Dataset(x, raw.LabelArray(), raw.FeatureCount, raw.ClassCount, names.MoveToImmutable(), raw.ClassNames);
    }

    private static Dataset LoadIris() =>
        ReadResource("iris.csv", new CsvOptions { Header = CsvHeader.Present, ClassNames = IrisClassNames });

    private static Dataset ReadResource(string file, CsvOptions options)
    {
        string name = "HybridAD.Data." + file;
        using var stream = typeof(Datasets).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource '{name}' is missing from the HybridAD assembly.");
        using var reader = new StreamReader(stream);
        return Csv.Read(reader, options, $"embedded {file}");
    }
}
