using System.CommandLine;
using System.Globalization;
using HybridAD.Tracing;

namespace HybridAD.Cli.Commands;

/// <summary>
/// <c>hybridad trace</c>: the source notes' evaluation-trace tables — the forward primal trace beside the forward
/// tangent trace and/or the reverse adjoint trace — for the notes' two worked examples or any expression.
/// </summary>
internal static class TraceCommand
{
    /// <summary>Everything the command needs, parsed.</summary>
    internal sealed record Request
    {
        public string? Example { get; init; }
        public string? Expression { get; init; }
        public string? At { get; init; }
        public string Format { get; init; } = "text";
        public string? Sweep { get; init; }
        public string? Direction { get; init; }
        public string? Seed { get; init; }
        public int? Digits { get; init; }
        public bool Full { get; init; }
        public bool Expand { get; init; }
        public bool Unmerged { get; init; }
        public string Layout { get; init; } = "sequential";
    }

    private static readonly string[] Examples = ["logistic", "sincos"];

    public static Command Create()
    {
        var example = new Argument<string?>("example")
        {
            Description = "A worked example of the notes: logistic (reverse sweep of the logistic-regression loss) or sincos (forward sweep).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var expr = new Option<string?>("--expr") { Description = "Trace this expression instead, e.g. \"x*y + sin(x)\" (several outputs: separate by commas)." };
        var at = new Option<string?>("--at") { Description = "The point, e.g. x=1.5,y=0.5 (its order is the input order)." };
        var format = new Option<string>("--format") { Description = "text, markdown, latex or dot.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "markdown", "latex", "dot");
        var sweep = new Option<string?>("--sweep") { Description = "forward (tangent trace), reverse (adjoint trace), both, or primal. Default: as in the notes for the examples, both for --expr." };
        sweep.AcceptOnlyFromAmong("forward", "reverse", "both", "primal");
        var direction = new Option<string?>("--direction") { Description = "The tangent direction ẋ, e.g. 1,0 (default: the first unit vector)." };
        var seed = new Option<string?>("--seed") { Description = "The adjoint seed ȳ, e.g. 1 or 0,1 (default: the first unit vector)." };
        var digits = new Option<int?>("--digits") { Description = "Decimals of values (default 2; 4 for sincos, as in the notes)." };
        var full = new Option<bool>("--full") { Description = "Print every value in full precision." };
        var expand = new Option<bool>("--expand") { Description = "Decompose σ(z) into −z, exp, 1 + ·, 1/· (four elementals) instead of one step." };
        var unmerged = new Option<bool>("--unmerged") { Description = "One step per recorded operation: do not merge constant-coefficient linear chains into one weighted-sum step." };
        var layout = new Option<string>("--layout") { Description = "Adjoint layout: sequential (execution order, top to bottom) or aligned (each statement beside its step, as in the notes).", DefaultValueFactory = _ => "sequential" };
        layout.AcceptOnlyFromAmong("sequential", "aligned");

        var command = new Command("trace", "Print evaluation traces: the primal trace beside the tangent (forward) or adjoint (reverse) trace, as text, Markdown, LaTeX or DOT.")
        {
            example, expr, at, format, sweep, direction, seed, digits, full, expand, unmerged, layout,
        };
        command.SetAction(parse => Run(new Request
        {
            Example = parse.GetValue(example),
            Expression = parse.GetValue(expr),
            At = parse.GetValue(at),
            Format = parse.GetValue(format) ?? "text",
            Sweep = parse.GetValue(sweep),
            Direction = parse.GetValue(direction),
            Seed = parse.GetValue(seed),
            Digits = parse.GetValue(digits),
            Full = parse.GetValue(full),
            Expand = parse.GetValue(expand),
            Unmerged = parse.GetValue(unmerged),
            Layout = parse.GetValue(layout) ?? "sequential",
        }, Console.Out, Console.Error));
        return command;
    }

    /// <summary>Runs the command; returns the exit code (0 ok, 2 bad usage or input).</summary>
    internal static int Run(Request r, TextWriter output, TextWriter error)
    {
        try
        {
            var (trace, defaultSweep, defaultDigits) = Record(r);
            var options = new TraceRenderOptions
            {
                Digits = r.Digits ?? defaultDigits,
                FullPrecision = r.Full,
                Layout = r.Layout == "aligned" ? AdjointLayout.Aligned : AdjointLayout.Sequential,
            };
            TraceFormat format = r.Format switch
            {
                "markdown" => TraceFormat.Markdown,
                "latex" => TraceFormat.Latex,
                "dot" => TraceFormat.Dot,
                _ => TraceFormat.Text,
            };
            string sweep = r.Sweep ?? defaultSweep;
            TangentTrace? tangent = sweep is "forward" or "both"
                ? trace.Tangent(Vector(r.Direction, trace.InputCount, "--direction", "inputs"))
                : null;
            AdjointTrace? adjoint = sweep is "reverse" or "both"
                ? trace.Adjoint(Vector(r.Seed, trace.OutputCount, "--seed", "outputs"))
                : null;

            if (format == TraceFormat.Dot)
                output.Write(TraceRenderer.ToDot(trace, tangent, adjoint, options));
            else if (tangent is null && adjoint is null)
                output.Write(TraceRenderer.Render(trace, format, options));
            else
            {
                if (tangent is not null) output.Write(TraceRenderer.Render(tangent, format, options));
                if (tangent is not null && adjoint is not null) output.WriteLine();
                if (adjoint is not null) output.Write(TraceRenderer.Render(adjoint, format, options));
            }
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            string message = e is ArgumentException { ParamName: { } p } ? e.Message.Replace($" (Parameter '{p}')", "") : e.Message;
            error.WriteLine($"hybridad trace: {message}");
            return 2;
        }
    }

    private static (EvaluationTrace Trace, string Sweep, int Digits) Record(Request r)
    {
        if (r.Expression is { } text)
        {
            if (r.Example is not null)
                throw new ArgumentException($"give either an example ({string.Join(" or ", Examples)}) or --expr, not both.");
            if (string.IsNullOrWhiteSpace(r.At))
                throw new ArgumentException("--expr needs the point: --at name=value,… for every variable of the expression.");
            ScalarExpression e = ScalarExpression.Parse(text);
            var (names, values) = Point(r.At);
            Func<Scalar[], Scalar[]> f = e.Compile(names, r.Expand);
            // Outputs are f (or f1, f2, …): y is a common input name.
            string[] outputs = e.OutputCount == 1 ? ["f"] : [.. Enumerable.Range(1, e.OutputCount).Select(k => "f" + k.ToString(CultureInfo.InvariantCulture))];
            var options = new TraceOptions { InputNames = names, OutputNames = outputs, MergeLinear = !r.Unmerged };
            return (Tracer.Trace(f, values, options), "both", 2);
        }
        switch (r.Example)
        {
            case "logistic":
                return (Tracer.Trace(w => WorkedExamples.LogisticAsTraced(w, r.Expand), WorkedExamples.LogisticPoint,
                    new TraceOptions { InputNames = WorkedExamples.LogisticNames, OutputNames = ["L"], MergeLinear = !r.Unmerged }), "reverse", 2);
            case "sincos":
                return (Tracer.Trace(WorkedExamples.SinCosAsTraced, WorkedExamples.SinCosPoint,
                    new TraceOptions { MergeLinear = !r.Unmerged }), "forward", 4);
            case null:
                throw new ArgumentException($"give an example ({string.Join(" or ", Examples)}) or --expr \"<expression>\" --at name=value,….");
            default:
                throw new ArgumentException($"unknown example '{r.Example}'; expected {string.Join(" or ", Examples)}.");
        }
    }

    /// <summary>"x=1.5,y=0.5" → names and values, in order.</summary>
    internal static (string[] Names, double[] Values) Point(string at)
    {
        string[] parts = at.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var names = new string[parts.Length];
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            int eq = parts[i].IndexOf('=');
            if (eq <= 0 || !double.TryParse(parts[i][(eq + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new ArgumentException($"--at: '{parts[i]}' is not name=number; expected e.g. --at x=1.5,y=0.5.");
            names[i] = parts[i][..eq].Trim();
        }
        if (parts.Length == 0) throw new ArgumentException("--at is empty; expected e.g. --at x=1.5,y=0.5.");
        return (names, values);
    }

    /// <summary>"1,0" → a vector of the given length; null → the first unit vector.</summary>
    private static double[] Vector(string? text, int length, string option, string what)
    {
        var v = new double[length];
        if (text is null)
        {
            v[0] = 1;
            return v;
        }
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != length)
            throw new ArgumentException($"{option} has {parts.Length} entries, but the function has {length} {what}; expected {length}.");
        for (int i = 0; i < length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]))
                throw new ArgumentException($"{option}: '{parts[i]}' is not a number.");
        return v;
    }
}
