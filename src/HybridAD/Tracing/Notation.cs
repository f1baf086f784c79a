using System.Globalization;
using System.Text;

namespace HybridAD.Tracing;

/// <summary>
/// How steps, tangents and adjoints are written: the notes' notation v₋₁, v̇₁, v̄₅ in Unicode text (also used by
/// Markdown and DOT) or in LaTeX (v_{-1}, \dot{v}_{1}, \bar{v}_{5}). Each elemental has a primal template and one
/// partial template per argument, with placeholders @a, @b (arguments), @y (the result), @p (the parameter c of
/// x^c) and @q (c − 1).
/// </summary>
internal static class Notation
{
    internal enum Style { Text, Latex }

    /// <summary>How numbers print: fixed <see cref="Digits"/> decimals, or round-trip when <see cref="Full"/>.</summary>
    internal readonly record struct Numbers(int Digits, bool Full)
    {
        internal static readonly Numbers RoundTrip = new(2, true);
    }

    private sealed record Template(string Text, string Latex, string[] PartialText, string[] PartialLatex);

    private static readonly Dictionary<string, Template> s_templates = new()
    {
        ["+"] = new("@a + @b", "@a + @b", ["1", "1"], ["1", "1"]),
        ["-"] = new("@a − @b", "@a - @b", ["1", "−1"], ["1", "-1"]),
        ["*"] = new("@a·@b", @"@a \cdot @b", ["@b", "@a"], ["@b", "@a"]),
        ["/"] = new("@a/@b", @"\frac{@a}{@b}", ["(1/@b)", "−(@y/@b)"], [@"\frac{1}{@b}", @"-\frac{@y}{@b}"]),
        ["pow"] = new("@a^@b", "{@a}^{@b}", ["@b·@a^(@b − 1)", "@y·log(@a)"], [@"@b \cdot {@a}^{@b - 1}", @"@y \log(@a)"]),
        ["atan2"] = new("atan2(@a, @b)", @"\operatorname{atan2}(@a, @b)", ["(@b/(@a² + @b²))", "−(@a/(@a² + @b²))"],
            [@"\frac{@b}{{@a}^2 + {@b}^2}", @"-\frac{@a}{{@a}^2 + {@b}^2}"]),
        ["min"] = new("min(@a, @b)", @"\min(@a, @b)", ["[@a < @b]", "[@b < @a]"], ["[@a < @b]", "[@b < @a]"]),
        ["max"] = new("max(@a, @b)", @"\max(@a, @b)", ["[@a > @b]", "[@b > @a]"], ["[@a > @b]", "[@b > @a]"]),
        ["hypot"] = new("hypot(@a, @b)", @"\sqrt{{@a}^2 + {@b}^2}", ["(@a/@y)", "(@b/@y)"], [@"\frac{@a}{@y}", @"\frac{@b}{@y}"]),
        ["neg"] = new("−@a", "-@a", ["−1"], ["-1"]),
        ["recip"] = new("1/@a", @"\frac{1}{@a}", ["−@y²"], ["-{@y}^2"]),
        ["powc"] = new("@a^@p", "{@a}^{@p}", ["@p·@a^@q"], [@"@p \cdot {@a}^{@q}"]),
        ["sqrt"] = new("√@a", @"\sqrt{@a}", ["(1/(2@y))"], [@"\frac{1}{2 @y}"]),
        ["square"] = new("@a²", "{@a}^2", ["2@a"], ["2 @a"]),
        ["cube"] = new("@a³", "{@a}^3", ["3@a²"], ["3 {@a}^2"]),
        ["exp"] = new("exp(@a)", @"\exp(@a)", ["@y"], ["@y"]),
        ["expm1"] = new("expm1(@a)", @"\operatorname{expm1}(@a)", ["(@y + 1)"], ["(@y + 1)"]),
        ["log"] = new("log(@a)", @"\log(@a)", ["(1/@a)"], [@"\frac{1}{@a}"]),
        ["log1p"] = new("log1p(@a)", @"\operatorname{log1p}(@a)", ["(1/(1 + @a))"], [@"\frac{1}{1 + @a}"]),
        ["sin"] = new("sin(@a)", @"\sin(@a)", ["cos(@a)"], [@"\cos(@a)"]),
        ["cos"] = new("cos(@a)", @"\cos(@a)", ["−sin(@a)"], [@"-\sin(@a)"]),
        ["tan"] = new("tan(@a)", @"\tan(@a)", ["(1 + @y²)"], ["(1 + {@y}^2)"]),
        ["asin"] = new("asin(@a)", @"\arcsin(@a)", ["(1/√(1 − @a²))"], [@"\frac{1}{\sqrt{1 - {@a}^2}}"]),
        ["acos"] = new("acos(@a)", @"\arccos(@a)", ["−(1/√(1 − @a²))"], [@"-\frac{1}{\sqrt{1 - {@a}^2}}"]),
        ["atan"] = new("atan(@a)", @"\arctan(@a)", ["(1/(1 + @a²))"], [@"\frac{1}{1 + {@a}^2}"]),
        ["sinh"] = new("sinh(@a)", @"\sinh(@a)", ["cosh(@a)"], [@"\cosh(@a)"]),
        ["cosh"] = new("cosh(@a)", @"\cosh(@a)", ["sinh(@a)"], [@"\sinh(@a)"]),
        ["tanh"] = new("tanh(@a)", @"\tanh(@a)", ["(1 − @y²)"], ["(1 - {@y}^2)"]),
        ["sigmoid"] = new("σ(@a)", @"\sigma(@a)", ["@y(1 − @y)"], ["@y (1 - @y)"]),
        ["softplus"] = new("softplus(@a)", @"\operatorname{softplus}(@a)", ["σ(@a)"], [@"\sigma(@a)"]),
        ["relu"] = new("relu(@a)", @"\operatorname{relu}(@a)", ["[@a > 0]"], ["[@a > 0]"]),
        ["abs"] = new("|@a|", @"\lvert @a \rvert", ["sign(@a)"], [@"\operatorname{sign}(@a)"]),
    };

    // ------------------------------------------------------------------ names

    private const string SubDigits = "₀₁₂₃₄₅₆₇₈₉";

    internal static string Subscript(int i)
    {
        var sb = new StringBuilder();
        if (i < 0) sb.Append('₋');
        foreach (char c in Math.Abs((long)i).ToString(CultureInfo.InvariantCulture)) sb.Append(SubDigits[c - '0']);
        return sb.ToString();
    }

    private static string Sub(int i, Style s) =>
        s == Style.Text ? Subscript(i) : "_{" + i.ToString(CultureInfo.InvariantCulture) + "}";

    /// <summary>vᵢ.</summary>
    internal static string Var(int i, Style s) => "v" + Sub(i, s);

    /// <summary>v̇ᵢ.</summary>
    internal static string Dot(int i, Style s) => s == Style.Text ? "v\u0307" + Subscript(i) : @"\dot{v}" + Sub(i, s);

    /// <summary>v̄ᵢ.</summary>
    internal static string Bar(int i, Style s) => s == Style.Text ? "v\u0304" + Subscript(i) : @"\bar{v}" + Sub(i, s);

    /// <summary>A user's name (x1, w0, L, alpha) with trailing digits as a subscript.</summary>
    internal static string Name(string name, Style s) => Decorate(name, s, null);

    /// <summary>A name with a dot (tangent) or bar (adjoint) over it: ẋ₁, w̄₀, L̄; a longer name gets d(…) or adj(…) in text.</summary>
    internal static string Decorate(string name, Style s, char? mark)
    {
        int cut = name.Length;
        while (cut > 0 && char.IsAsciiDigit(name[cut - 1])) cut--;
        string stem = name[..cut], digits = name[cut..];
        if (stem.Length == 0) (stem, digits) = (name, "");
        if (s == Style.Latex)
        {
            string baseName = stem.Length == 1 ? stem : @"\mathit{" + stem + "}";
            if (mark is char m) baseName = (m == '\u0307' ? @"\dot{" : @"\bar{") + baseName + "}";
            return digits.Length > 0 ? baseName + "_{" + digits + "}" : baseName;
        }
        string sub = string.Concat(digits.Select(c => SubDigits[c - '0']));
        if (mark is not char mk) return stem + sub;
        return stem.Length == 1 ? stem + mk + sub : (mk == '\u0307' ? "d(" : "adj(") + stem + sub + ")";
    }

    // ------------------------------------------------------------------ numbers

    /// <summary>A computed value: fixed decimals (no "-0.00"), or round-trip.</summary>
    internal static string Value(double v, Numbers f, Style s = Style.Text)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsInfinity(v)) return s == Style.Latex ? (v > 0 ? @"\infty" : @"-\infty") : (v > 0 ? "∞" : "-∞");
        string t = f.Full ? v.ToString("R", CultureInfo.InvariantCulture) : v.ToString("F" + f.Digits, CultureInfo.InvariantCulture);
        if (t.StartsWith('-') && t.AsSpan(1).IndexOfAnyExcept("0.") < 0) t = t[1..];
        return t;
    }

    /// <summary>A constant of the program (the 1.5 in 1.5·v₀): as written when short, else like a value.</summary>
    internal static string Constant(double c, Numbers? f)
    {
        string r = c.ToString("R", CultureInfo.InvariantCulture);
        return f is not { } nf || nf.Full || r.Length <= 6 ? r : Value(c, nf);
    }

    // ------------------------------------------------------------------ the primal statement

    /// <summary>The right-hand side of vᵢ = φᵢ(…): <c>v₋₁/v₀</c>, <c>σ(v₁)</c>, <c>0 − v₃</c>, <c>v₋₂ + v₋₁ + 1.5·v₀</c>.</summary>
    internal static string Primal(TraceStep step, Style s, Numbers? f)
    {
        switch (step.Kind)
        {
            case StepKind.Input:
                return Name(step.Name ?? "x", s);
            case StepKind.Affine:
                return Affine(step, s, f);
            case StepKind.Custom:
                return FunctionCall(step.Op, step, s, f);
        }
        if (!s_templates.TryGetValue(step.Op, out Template? t)) return FunctionCall(step.Op, step, s, f);
        return Fill(s == Style.Text ? t.Text : t.Latex, step, s, f);
    }

    private static string FunctionCall(string op, TraceStep step, Style s, Numbers? f)
    {
        var args = string.Join(", ", step.Operands.Select(o => Operand(o, s, f)));
        return (s == Style.Latex ? @"\operatorname{" + op + "}" : op) + "(" + args + ")";
    }

    private static string Affine(TraceStep step, Style s, Numbers? f)
    {
        var sb = new StringBuilder();
        void Term(double c, string? v)
        {
            bool negative = c < 0 || (c == 0 && double.IsNegative(c));
            double a = Math.Abs(c);
            string body = v is null ? Constant(a, f) : a == 1 ? v : Constant(a, f) + (s == Style.Text ? "·" : @" \cdot ") + v;
            if (sb.Length == 0) sb.Append(negative ? (s == Style.Text ? "−" : "-") : "").Append(body);
            else sb.Append(negative ? (s == Style.Text ? " − " : " - ") : " + ").Append(body);
        }
        if (step.Offset != 0 && step.OffsetFirst) Term(step.Offset, null);
        foreach (TraceOperand o in step.Operands) Term(o.Partial, Var(o.Index, s));
        if (step.Offset != 0 && !step.OffsetFirst) Term(step.Offset, null);
        return sb.Length == 0 ? "0" : sb.ToString();
    }

    private static string Operand(TraceOperand o, Style s, Numbers? f)
    {
        if (!o.IsConstant) return Var(o.Index, s);
        string c = Constant(o.Value, f);
        if (c.StartsWith('-')) c = "(" + (s == Style.Text ? "−" + c[1..] : c) + ")";
        return c;
    }

    private static string Fill(string template, TraceStep step, Style s, Numbers? f)
    {
        var sb = new StringBuilder(template.Length + 16);
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if (c != '@' || i + 1 == template.Length) { sb.Append(c); continue; }
            char k = template[++i];
            sb.Append(k switch
            {
                'a' => Operand(step.Operands[0], s, f),
                'b' => step.Operands.Length > 1 ? Operand(step.Operands[1], s, f) : "?",
                'y' => Var(step.Index, s),
                'p' => Constant(step.Parameter, f),
                'q' => Constant(step.Parameter - 1, f),
                _ => "@" + k,
            });
        }
        return sb.ToString();
    }

    // ------------------------------------------------------------------ partials, tangents, adjoints

    /// <summary>The local partial ∂φᵢ/∂vⱼ at argument position <paramref name="position"/>, symbolically when the
    /// elemental is known (cos(v₁), 2v₅, v₃(1 − v₃)), else as its number.</summary>
    internal static string Partial(TraceStep step, int position, Style s, Numbers f)
    {
        if (step.Kind == StepKind.Elemental && s_templates.TryGetValue(step.Op, out Template? t))
        {
            string[] parts = s == Style.Text ? t.PartialText : t.PartialLatex;
            if (position < parts.Length)
            {
                if (step.Op == "powc" && step.Parameter - 1 == 1) return Fill(s == Style.Text ? "@p·@a" : @"@p \cdot @a", step, s, f);
                return Fill(parts[position], step, s, f);
            }
        }
        double c = step.Operands[position].Partial;
        return step.Kind == StepKind.Affine ? Constant(c, f) : Value(c, f, s);
    }

    /// <summary>Splits a partial into its sign and a factor fit to multiply: "−sin(v₁)" → (true, "sin(v₁)"),
    /// "1/(2v₃)" → (false, "(1/(2v₃))"); the factor is empty for ±1.</summary>
    internal static (bool Negative, string Factor) AsFactor(string partial, Style s)
    {
        bool negative = false;
        string p = partial;
        if (p.StartsWith('−') || (p.StartsWith('-') && p.Length > 1))
        {
            negative = true;
            p = p[1..];
        }
        if (p == "1") return (negative, "");
        if (NeedsParentheses(p, s)) p = "(" + p + ")";
        return (negative, p);
    }

    private static bool NeedsParentheses(string p, Style s)
    {
        int depth = 0;
        for (int i = 0; i < p.Length; i++)
        {
            char c = p[i];
            if (c is '(' or '{' or '[') depth++;
            else if (c is ')' or '}' or ']') depth--;
            else if (depth == 0 && i > 0 && (c is '+' or '−' || (c == '-' && s == Style.Latex) || (s == Style.Text && c is '/' or ' ')))
                return true;
        }
        return false;
    }

    /// <summary>a·b in the style (factor may be empty: just a).</summary>
    internal static string Times(string factor, string x, Style s) =>
        factor.Length == 0 ? x : s == Style.Text ? factor + "·" + x : factor + @" \cdot " + x;

    /// <summary>v̇ᵢ's right-hand side Σ c_ij·v̇ⱼ over the step's variable arguments.</summary>
    internal static string TangentSum(TraceStep step, Style s, Numbers f)
    {
        var sb = new StringBuilder();
        for (int q = 0; q < step.Operands.Length; q++)
        {
            TraceOperand o = step.Operands[q];
            if (o.IsConstant) continue;
            var (negative, factor) = AsFactor(Partial(step, q, s, f), s);
            string term = Times(factor, Dot(o.Index, s), s);
            if (sb.Length == 0) sb.Append(negative ? (s == Style.Text ? "−" : "-") : "").Append(term);
            else sb.Append(negative ? (s == Style.Text ? " − " : " - ") : " + ").Append(term);
        }
        return sb.Length == 0 ? "0" : sb.ToString();
    }

    internal static string Minus(Style s) => s == Style.Text ? "−" : "-";
}
