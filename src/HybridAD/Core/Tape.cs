using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HybridAD.Core;

/// <summary>One recorded operation: v_i depends on v_In0 and v_In1 with local partials W0 and W1.
/// 24 bytes. Unary operations and inputs point the unused edge at node 0, the sink, with weight 0.
/// A tensor operation's node has <c>In0 &lt; 0</c>: <c>~In0</c> indexes the tape's tensor records
/// (<see cref="Tape.Tensors"/>); any code walking the nodes must check for it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TapeNode(int in0, int in1, double w0, double w1)
{
    public int In0 = in0;
    public int In1 = in1;
    public double W0 = w0;
    public double W1 = w1;
}

/// <summary>
/// Reverse mode: a flat Wengert list in creation order. Each operation appends one <see cref="TapeNode"/>
/// (no object, no closure per op); the backward sweep is one loop from the end, <c>adj[in] += w · adj[i]</c>.
/// Operations of more than two inputs (custom rules) are recorded as a short chain of two-input nodes.
/// For nested differentiation, partials and primals that are themselves perturbed by an outer level are kept
/// in side arrays; a tape with such partials is swept with <see cref="Scalar"/> adjoints, so the sweep itself
/// is differentiated by the outer level.
/// </summary>
internal sealed partial class Tape : Level
{
    private const int InitialCapacity = 256;

    internal TapeNode[] Nodes;
    internal int Count;

    /// <summary>Primals perturbed by an outer level, by node (null until first needed).</summary>
    private Scalar[]? _nestedPrimal;
    /// <summary>Partials perturbed by an outer level, by node (null until first needed).</summary>
    private Scalar[]? _nestedW0, _nestedW1;

    /// <summary>Optional recorder of op names and values (evaluation traces); null in normal use.</summary>
    internal TapeLog? Log;

    private readonly bool _pooled;

    internal Tape(string owner, bool pooled = true) : base(isTape: true, owner)
    {
        _pooled = pooled;
        Nodes = pooled ? ArrayPool<TapeNode>.Shared.Rent(InitialCapacity) : new TapeNode[InitialCapacity];
        Nodes[0] = default; // the sink
        Count = 1;
    }

    /// <summary>True when some partial is perturbed by an outer level: the sweep must use Scalar adjoints.</summary>
    internal bool HasNestedPartials => _nestedW0 is not null || (Tensors?.Nested ?? false);

    internal override Scalar PrimalOf(in Scalar x) => x.Nested ? _nestedPrimal![x.Slot] : new Scalar(x.V);

    /// <summary>The numeric value of node <paramref name="node"/>'s partial on edge 0 (W0) or 1 (W1), also when
    /// that partial is perturbed by an outer level and kept in side storage (evaluation traces read this).</summary>
    internal double PartialValue(int node, int edge)
    {
        Scalar[]? nested = edge == 0 ? _nestedW0 : _nestedW1;
        if (nested is not null && nested[node].Key != 0) return nested[node].V;
        return edge == 0 ? Nodes[node].W0 : Nodes[node].W1;
    }

    /// <summary>Appends a node; returns its index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Push(int in0, double w0, int in1, double w1)
    {
        int i = Count;
        TapeNode[] nodes = Nodes;
        if ((uint)i >= (uint)nodes.Length) nodes = Grow();
        nodes[i] = new TapeNode(in0, in1, w0, w1);
        Count = i + 1;
        return i;
    }

    private TapeNode[] Grow()
    {
        TapeNode[] bigger = _pooled ? ArrayPool<TapeNode>.Shared.Rent(Nodes.Length * 2) : new TapeNode[Nodes.Length * 2];
        Array.Copy(Nodes, bigger, Count);
        if (_pooled) ArrayPool<TapeNode>.Shared.Return(Nodes);
        Nodes = bigger;
        if (_nestedPrimal is not null) Array.Resize(ref _nestedPrimal, bigger.Length);
        if (_nestedW0 is not null) Array.Resize(ref _nestedW0, bigger.Length);
        if (_nestedW1 is not null) Array.Resize(ref _nestedW1, bigger.Length);
        return bigger;
    }

    /// <summary>An independent variable of this tape whose primal is <paramref name="x"/> (which may itself be
    /// perturbed by an outer level).</summary>
    internal Scalar Input(in Scalar x)
    {
        int i = Push(0, 0, 0, 0);
        Log?.Input(i, x.V);
        if (x.Key == 0) return new Scalar(x.V, 0, Key, i, false);
        (_nestedPrimal ??= new Scalar[Nodes.Length])[i] = x;
        return new Scalar(x.V, 0, Key, i, true);
    }

    /// <summary>Records a node whose primal and partials are one level down (possibly perturbed).</summary>
    internal Scalar PushNested(int in0, in Scalar w0, int in1, in Scalar w1, in Scalar y)
    {
        int i = Push(in0, w0.Key == 0 ? w0.V : 0, in1, w1.Key == 0 ? w1.V : 0);
        if (w0.Key != 0) (_nestedW0 ??= new Scalar[Nodes.Length])[i] = w0;
        if (w1.Key != 0) (_nestedW1 ??= new Scalar[Nodes.Length])[i] = w1;
        if (w1.Key != 0 || w0.Key != 0)
        {
            _nestedW0 ??= new Scalar[Nodes.Length];
            _nestedW1 ??= new Scalar[Nodes.Length];
        }
        if (y.Key == 0) return new Scalar(y.V, 0, Key, i, false);
        (_nestedPrimal ??= new Scalar[Nodes.Length])[i] = y;
        return new Scalar(y.V, 0, Key, i, true);
    }

    /// <summary>The backward sweep on doubles: <c>adj</c> holds the seeded adjoints (length ≥ Count) and
    /// receives every node's adjoint. One loop, no recursion, no allocation. A zero adjoint is a symbolic
    /// zero: its node is skipped, so an infinite partial times a zero adjoint never makes a NaN.</summary>
    internal void Sweep(Span<double> adj)
    {
        if (Tensors is not null)
        {
            SweepWithTensors(adj, new Tensor?[Tensors.Count]);
            return;
        }
        ref TapeNode n0 = ref MemoryMarshal.GetArrayDataReference(Nodes);
        ref double a0 = ref MemoryMarshal.GetReference(adj);
        for (int i = Count - 1; i > 0; i--)
        {
            double a = Unsafe.Add(ref a0, i);
            if (a == 0) continue;
            ref TapeNode n = ref Unsafe.Add(ref n0, i);
            Unsafe.Add(ref a0, n.In0) += n.W0 * a;
            Unsafe.Add(ref a0, n.In1) += n.W1 * a;
        }
    }

    /// <summary>The backward sweep with <see cref="Scalar"/> adjoints, for nested differentiation: partials and
    /// seeds may be perturbed by outer levels, and the sweep's arithmetic is recorded or carried by them.</summary>
    internal void Sweep(Scalar[] adj)
    {
        if (Tensors is not null)
        {
            SweepWithTensors(adj, new Tensor?[Tensors.Count]);
            return;
        }
        TapeNode[] nodes = Nodes;
        Scalar[]? nw0 = _nestedW0, nw1 = _nestedW1;
        for (int i = Count - 1; i > 0; i--)
        {
            Scalar a = adj[i];
            if (a.Key == 0 && a.V == 0) continue;
            ref TapeNode n = ref nodes[i];
            if (n.In0 != 0)
            {
                Scalar w0 = nw0 is not null && nw0[i].Key != 0 ? nw0[i] : new Scalar(n.W0);
                adj[n.In0] = adj[n.In0] + w0 * a;
            }
            if (n.In1 != 0)
            {
                Scalar w1 = nw1 is not null && nw1[i].Key != 0 ? nw1[i] : new Scalar(n.W1);
                adj[n.In1] = adj[n.In1] + w1 * a;
            }
        }
    }

    /// <summary>Closes the tape and gives its node array back to the pool (Grad, which sweeps once).</summary>
    internal void Release()
    {
        Close();
        if (!_pooled) return;
        TapeNode[] nodes = Nodes;
        Nodes = [];
        Count = 0;
        ArrayPool<TapeNode>.Shared.Return(nodes);
    }
}
