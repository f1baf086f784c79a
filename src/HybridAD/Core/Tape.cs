using HybridAD.Rules;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HybridAD.Core;

/// <summary>One recorded operation: v_i depends on v_In0 and v_In1 with local partials W0 and W1.
/// 24 bytes. Unary operations and inputs point the unused edge at node 0, the sink, with weight 0.
/// A tensor operation's node has <c>In0 &lt; 0</c>: <c>~In0</c> indexes the tape's tensor records
/// (<see cref="Tape.Tensors"/>); any code walking the nodes must check for it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TapeNode
{
    public int In0;
    public int In1;
    public double W0;
    public double W1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TapeNode(int in0, int in1, double w0, double w1)
    {
        In0 = in0;
        In1 = in1;
        W0 = w0;
        W1 = w1;
    }
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

    /// <summary>Optional recorder of op names and values (evaluation traces); null in normal use. While one is
    /// attached, <see cref="TryAppend"/> takes its slow path (which logs), so an unlogged tape pays nothing for it.</summary>
    internal TapeLog? Log
    {
        get => _log;
        set
        {
            _log = value;
            _recordLimit = value is null ? Nodes.Length : 0;
        }
    }

    private TapeLog? _log;

    /// <summary><see cref="TryAppend"/> appends inline while <see cref="Count"/> is below this: the node array's
    /// length, or 0 while a log is attached.</summary>
    private int _recordLimit;

    /// <summary>Nodes [0, LeafEnd) are the sink and inputs recorded before any operation: they have no edges,
    /// so the sweeps stop there.</summary>
    internal int LeafEnd = 1;

    private readonly bool _pooled;

    /// <summary>How many pooled tapes this thread has open (the nesting depth of the next one).</summary>
    [ThreadStatic] private static int t_openPooled;
    /// <summary>The node count of the last pooled tape released on this thread, by nesting depth: the next tape
    /// at that depth rents that capacity up front instead of growing (and copying) from a small array.</summary>
    [ThreadStatic] private static int[]? t_lastCount;
    private const int RememberedDepths = 8;
    private readonly int _depth;

    internal Tape(string owner, bool pooled = true) : base(isTape: true, owner)
    {
        _pooled = pooled;
        if (pooled)
        {
            _depth = t_openPooled++;
            int hint = _depth < RememberedDepths && t_lastCount is { } last ? last[_depth] : 0;
            Nodes = ArrayPool<TapeNode>.Shared.Rent(Math.Max(InitialCapacity, hint));
        }
        else Nodes = new TapeNode[InitialCapacity];
        Nodes[0] = default; // the sink
        Count = 1;
        _recordLimit = Nodes.Length;
    }

    /// <summary>The open tape with this key (a key with the tape bit), or throws
    /// <see cref="PerturbationEscapedException"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Tape Of(long key) => Unsafe.As<Tape>(LevelTable.Get(key));

    /// <summary>Records one first-order unary operation y = φ(v_in0) with local partial w0; returns its node.
    /// y, x and p are only for an attached log (evaluation traces).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int RecordUnary<R>(int in0, double w0, double y, double x, double p) where R : struct, IUnaryRule =>
        TryAppend(in0, w0, 0, 0, out int i) ? i : RecordUnarySlow<R>(in0, w0, y, x, p);

    /// <summary>Records one first-order binary operation y = φ(v_in0, v_in1) with local partials w0, w1 (an
    /// unused edge is (0, 0), the sink); returns its node. y, a and b are only for an attached log.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int RecordBinary<R>(int in0, double w0, int in1, double w1, double y, double a, double b) where R : struct, IBinaryRule =>
        TryAppend(in0, w0, in1, w1, out int i) ? i : RecordBinarySlow<R>(in0, w0, in1, w1, y, a, b);

    /// <summary>Appends inline while there is room and no log is attached.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryAppend(int in0, double w0, int in1, double w1, out int i)
    {
        i = Count;
        if ((uint)i >= (uint)_recordLimit) return false;
        // i < _recordLimit <= Nodes.Length: in bounds.
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Nodes), i) = new TapeNode(in0, in1, w0, w1);
        Count = i + 1;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int RecordUnarySlow<R>(int in0, double w0, double y, double x, double p) where R : struct, IUnaryRule
    {
        int i = Push(in0, w0, 0, 0);
        _log?.Unary<R>(i, y, x, p);
        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int RecordBinarySlow<R>(int in0, double w0, int in1, double w1, double y, double a, double b) where R : struct, IBinaryRule
    {
        int i = Push(in0, w0, in1, w1);
        _log?.Binary<R>(i, y, a, b);
        return i;
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

    private TapeNode[] Grow(int atLeast = 0)
    {
        int size = Math.Max(Nodes.Length * 2, atLeast);
        TapeNode[] bigger = _pooled ? ArrayPool<TapeNode>.Shared.Rent(size) : new TapeNode[size];
        Array.Copy(Nodes, bigger, Count);
        if (_pooled) ArrayPool<TapeNode>.Shared.Return(Nodes);
        Nodes = bigger;
        _recordLimit = _log is null ? bigger.Length : 0;
        if (_nestedPrimal is not null) Array.Resize(ref _nestedPrimal, bigger.Length);
        if (_nestedW0 is not null) Array.Resize(ref _nestedW0, bigger.Length);
        if (_nestedW1 is not null) Array.Resize(ref _nestedW1, bigger.Length);
        return bigger;
    }

    /// <summary>Makes <paramref name="inputs"/>[j] an independent variable of this tape with the primal
    /// <paramref name="x"/>[j] (which may itself be perturbed by an outer level). Constants (the common case)
    /// take a tight loop; other values go through <see cref="Input"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // its own compilation: the loop gets the whole inlining budget
    internal void Inputs(Scalar[] x, Scalar[] inputs)
    {
        int j = 0;
        if (_log is null)
        {
            int start = ReserveLeaves(x.Length);
            long key = Key;
            for (; j < x.Length && x[j].Tag == 0; j++) inputs[j] = Scalar.OnTape(x[j].V, key, start + j);
            CommitLeaves(start, j);
        }
        for (; j < x.Length; j++)
        {
            x[j].EnsureOpen();
            inputs[j] = Input(x[j]);
        }
    }

    /// <summary>Makes <paramref name="inputs"/>[j] an independent variable of this tape with the primal
    /// <paramref name="x"/>[j].</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // its own compilation: the loop gets the whole inlining budget
    internal void Inputs(ReadOnlySpan<double> x, Scalar[] inputs)
    {
        if (_log is not null)
        {
            for (int j = 0; j < x.Length; j++) inputs[j] = Input(new Scalar(x[j]));
            return;
        }
        int start = ReserveLeaves(x.Length);
        long key = Key;
        for (int j = 0; j < x.Length; j++) inputs[j] = Scalar.OnTape(x[j], key, start + j);
        CommitLeaves(start, x.Length);
    }

    /// <summary>Room for <paramref name="count"/> edgeless nodes after the last one, cleared; returns the first.</summary>
    private int ReserveLeaves(int count)
    {
        if (Count + count > Nodes.Length) Grow(Count + count);
        Array.Clear(Nodes, Count, count);
        return Count;
    }

    /// <summary>Appends the <paramref name="count"/> nodes reserved at <paramref name="start"/>; they extend the
    /// leaf prefix when no operation precedes them.</summary>
    private void CommitLeaves(int start, int count)
    {
        Count = start + count;
        if (LeafEnd == start) LeafEnd = start + count;
    }

    /// <summary>An independent variable of this tape whose primal is <paramref name="x"/> (which may itself be
    /// perturbed by an outer level).</summary>
    internal Scalar Input(in Scalar x)
    {
        bool leaf = LeafEnd == Count;
        int i = Push(0, 0, 0, 0);
        if (leaf) LeafEnd = i + 1;
        Log?.Input(i, x.V);
        if (x.Key == 0) return new Scalar(x.V, 0, Key, i, false);
        NoteOuter(x.Key);
        (_nestedPrimal ??= new Scalar[Nodes.Length])[i] = x;
        return new Scalar(x.V, 0, Key, i, true);
    }

    /// <summary>The outer levels whose values this tape's side storage holds (null while there are none).</summary>
    private HashSet<long>? _outerKeys;
    private long _lastOuterKey;

    private void NoteOuter(long key)
    {
        if (key == 0 || key == _lastOuterKey) return;
        (_outerKeys ??= []).Add(key);
        _lastOuterKey = key;
    }

    /// <summary>Throws <see cref="PerturbationEscapedException"/> when a level whose values this tape holds (its
    /// nested partials and primals) has finished: sweeping the tape then (a pullback kept after its outer call
    /// returned) would hand out values of that call.</summary>
    internal void EnsureOuterLevelsOpen()
    {
        if (_outerKeys is null) return;
        foreach (long key in _outerKeys) LevelTable.Get(key);
    }

    /// <summary>Records a node whose primal and partials are one level down (possibly perturbed).</summary>
    internal Scalar PushNested(int in0, in Scalar w0, int in1, in Scalar w1, in Scalar y)
    {
        NoteOuter(w0.Key);
        NoteOuter(w1.Key);
        NoteOuter(y.Key);
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

    /// <summary>This thread's all-zero adjoint buffer (see <see cref="RentZeroedAdjoints"/>).</summary>
    [ThreadStatic] private static double[]? t_zeroedAdjoints;

    /// <summary>An all-zero buffer of at least <paramref name="count"/> adjoints, this thread's own until
    /// <see cref="ReturnZeroedAdjoints"/>. Handing it back zeroed (a clearing sweep resets what it reads) saves
    /// clearing a tape-sized buffer on every gradient.</summary>
    internal static double[] RentZeroedAdjoints(int count)
    {
        double[]? buffer = t_zeroedAdjoints;
        t_zeroedAdjoints = null;
        if (buffer is null || buffer.Length < count) buffer = new double[Math.Max(count, InitialCapacity)];
        return buffer;
    }

    /// <summary>Gives back a buffer from <see cref="RentZeroedAdjoints"/>; every entry must be 0 again. Buffers
    /// over 128 MB are dropped, so a thread never holds on to a huge one.</summary>
    internal static void ReturnZeroedAdjoints(double[] buffer)
    {
        if (buffer.Length > 1 << 24) return;
        if (t_zeroedAdjoints is null || t_zeroedAdjoints.Length < buffer.Length) t_zeroedAdjoints = buffer;
    }

    /// <summary>The backward sweep on doubles: <c>adj</c> holds the seeded adjoints (length ≥ Count) and
    /// receives every node's adjoint (x̄ += w·ȳ along each edge, fused where the hardware has FMA). One loop, no
    /// recursion, no allocation. A zero adjoint is a symbolic
    /// zero: its node is skipped, so an infinite partial times a zero adjoint never makes a NaN. With
    /// <paramref name="clearSwept"/>, each swept node's entry is reset to 0 once read, so the adjoints of the
    /// leaves [1, <see cref="LeafEnd"/>) and the sink are the only entries left to clear afterwards.</summary>
    internal void Sweep(Span<double> adj, bool clearSwept = false)
    {
        if (adj.Length < Count) throw new ArgumentException($"The adjoint buffer has {adj.Length} entries; the tape has {Count} nodes.", nameof(adj));
        if (Tensors is not null)
        {
            // Tensor records on the tape: the general loop, which dispatches them (Tape.Tensors.cs).
            SweepWithTensors(adj, new Tensor?[Tensors.Count]);
            if (clearSwept && Count > LeafEnd) adj[LeafEnd..Count].Clear();
            return;
        }
        if (clearSwept) SweepCore<Clear>(adj);
        else SweepCore<Keep>(adj);
    }

    private struct Clear;
    private struct Keep;

    /// <summary>The loop itself, specialised (by <typeparamref name="TClear"/>) with or without the reset.</summary>
    private void SweepCore<TClear>(Span<double> adj) where TClear : struct
    {
        ref double a0 = ref MemoryMarshal.GetReference(adj);
        int count = Count - LeafEnd;
        if (count <= 0) return;
        // Walk down from the last node with a node reference and an adjoint reference side by side.
        ref TapeNode n = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Nodes), Count - 1);
        ref double ai = ref Unsafe.Add(ref a0, Count - 1);
        for (; count > 0; count--)
        {
            double a = ai;
            if (typeof(TClear) == typeof(Clear)) ai = 0;
            if (a != 0)
            {
                Accumulate(ref Unsafe.Add(ref a0, n.In0), n.W0, a);
                Accumulate(ref Unsafe.Add(ref a0, n.In1), n.W1, a);
            }
            n = ref Unsafe.Subtract(ref n, 1);
            ai = ref Unsafe.Subtract(ref ai, 1);
        }
    }

    /// <summary>adj += w·a, fused (one rounding, and a shorter dependency chain from one node's adjoint to the
    /// next) where the hardware has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(ref double adj, double w, double a) =>
        adj = System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported
            ? Math.FusedMultiplyAdd(w, a, adj)
            : adj + w * a;

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
        for (int i = Count - 1; i >= LeafEnd; i--)
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
        if (!_pooled || Nodes.Length == 0) return;
        if (_depth < RememberedDepths) (t_lastCount ??= new int[RememberedDepths])[_depth] = Count;
        t_openPooled = _depth;
        TapeNode[] nodes = Nodes;
        Nodes = [];
        Count = 0;
        _recordLimit = 0;
        ArrayPool<TapeNode>.Shared.Return(nodes);
    }
}
