namespace HybridAD.Core;

/// <summary>One logged tape node: which operation made it and its primal value.</summary>
internal readonly record struct TapeLogEntry(int Node, string Op, double Value, double Parameter);

/// <summary>
/// An optional recorder attached to a <see cref="Tape"/> (only by tracing; a normal tape has none and pays one
/// null check per op). It names the operation behind each node; the graph itself is the tape's nodes.
/// </summary>
internal sealed class TapeLog
{
    internal readonly List<TapeLogEntry> Entries = [];

    internal void Input(int node, double value) => Entries.Add(new TapeLogEntry(node, "input", value, 0));

    internal void Op(int node, string op, double value, double parameter = 0) =>
        Entries.Add(new TapeLogEntry(node, op, value, parameter));
}
