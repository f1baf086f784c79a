using HybridAD.Rules;

namespace HybridAD.Core;

/// <summary>What produced a logged tape node.</summary>
internal enum LogKind : byte
{
    /// <summary>An independent variable (<see cref="Tape.Input"/>).</summary>
    Input,
    /// <summary>A built-in unary elemental (<see cref="IUnaryRule"/>); <c>A</c> is its argument.</summary>
    Unary,
    /// <summary>A built-in binary elemental (<see cref="IBinaryRule"/>); <c>A</c>, <c>B</c> are its arguments.</summary>
    Binary,
    /// <summary>Any other operation (a custom rule, a tensor op): only its name and value are known.</summary>
    Other,
}

/// <summary>One logged tape node: which operation made it, its primal value and its arguments' values (so a
/// constant operand, which has no node of its own, can still be shown: the 0 in <c>v₅ = 0 − v₃</c>).</summary>
internal readonly record struct TapeLogEntry(int Node, string Op, LogKind Kind, RuleTraits Traits, double Value,
    double Parameter, double A, double B);

/// <summary>Work of one operation kind on a tape: how many ops, and how many work units they did (1 per scalar
/// op; a tensor op reports its element or flop count), plus bytes it kept beyond its tape node.</summary>
internal struct OpTally
{
    public string Rule;
    public long Count;
    public double Units;
    public long ExtraBytes;
}

/// <summary>
/// An optional recorder attached to a <see cref="Tape"/>. A normal tape has none: every recording site is
/// <c>tape.Log?.…</c>, one null check, and the arguments are not even evaluated. Two uses:
/// <list type="bullet">
/// <item>evaluation traces (<see cref="KeepEntries"/> = true): one <see cref="TapeLogEntry"/> per node, naming
/// the operation behind it; the graph itself is the tape's nodes;</item>
/// <item>cost accounting (always): op counts and work units per rule, for the mode selector.</item>
/// </list>
/// Tensor operations report themselves through <see cref="Op"/> (when they make a node) or <see cref="Work"/>
/// (with their element or flop count as units), so the cost model covers them without knowing their types.
/// </summary>
internal sealed class TapeLog(bool keepEntries)
{
    /// <summary>True when every node is logged (traces); false for counting only (the mode selector's probe).</summary>
    internal readonly bool KeepEntries = keepEntries;

    /// <summary>The logged nodes in recording order (empty unless <see cref="KeepEntries"/>).</summary>
    internal readonly List<TapeLogEntry> Entries = [];

    private OpTally[] _tallies = new OpTally[16];
    private int _tallyCount;
    private int _last;

    /// <summary>The per-rule tallies so far (a copy).</summary>
    internal OpTally[] Tallies => _tallies.AsSpan(0, _tallyCount).ToArray();

    /// <summary>An independent variable.</summary>
    internal void Input(int node, double value)
    {
        if (KeepEntries) Entries.Add(new TapeLogEntry(node, "input", LogKind.Input, RuleTraits.Linear, value, 0, value, 0));
    }

    /// <summary>A node made by a built-in unary rule: y = R(x; p).</summary>
    internal void Unary<R>(int node, double y, double x, double p) where R : struct, IUnaryRule
    {
        Count(R.Name, 1, 0);
        if (KeepEntries) Entries.Add(new TapeLogEntry(node, R.Name, LogKind.Unary, R.Traits, y, p, x, 0));
    }

    /// <summary>A node made by a built-in binary rule: y = R(a, b); a constant operand's value is kept.</summary>
    internal void Binary<R>(int node, double y, double a, double b) where R : struct, IBinaryRule
    {
        Count(R.Name, 1, 0);
        if (KeepEntries) Entries.Add(new TapeLogEntry(node, R.Name, LogKind.Binary, R.Traits, y, 0, a, b));
    }

    /// <summary>A node made by any other operation (custom rules; tensor ops pass their work units).</summary>
    internal void Op(int node, string op, double value, double parameter = 0, double units = 1)
    {
        Count(op, units, 0);
        if (KeepEntries) Entries.Add(new TapeLogEntry(node, op, LogKind.Other, RuleTraits.None, value, parameter, 0, 0));
    }

    /// <summary>Cost accounting only: an operation of kind <paramref name="rule"/> did <paramref name="units"/>
    /// work units (elements, flops) and kept <paramref name="extraBytes"/> bytes for the backward sweep.</summary>
    internal void Work(string rule, double units, long extraBytes = 0) => Count(rule, units, extraBytes);

    private void Count(string rule, double units, long extraBytes)
    {
        // Rule names are string literals (one instance each), so a reference compare finds them; consecutive ops
        // are often the same rule, so the last hit is tried first.
        OpTally[] t = _tallies;
        int i = _last;
        if (i >= _tallyCount || !ReferenceEquals(t[i].Rule, rule))
        {
            i = 0;
            while (i < _tallyCount && !string.Equals(t[i].Rule, rule)) i++;
            if (i == _tallyCount)
            {
                if (i == t.Length) Array.Resize(ref _tallies, t.Length * 2);
                _tallies[i].Rule = rule;
                _tallyCount++;
            }
            _last = i;
        }
        ref OpTally tally = ref _tallies[i];
        tally.Count++;
        tally.Units += units;
        tally.ExtraBytes += extraBytes;
    }
}
