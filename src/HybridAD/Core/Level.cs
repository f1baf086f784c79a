using System.Runtime.CompilerServices;

namespace HybridAD.Core;

/// <summary>
/// One differentiation call's perturbation: a tag. Every combinator call (Grad, Jvp, …) creates exactly one
/// level with a fresh id from a thread-safe counter; values carry the level's <see cref="Key"/>. The level with
/// the larger id is the inner one, so a value from an outer call is a constant to an inner call, and the inner
/// call's values never leak into the outer derivative (no perturbation confusion). When the call returns, the
/// level is closed and unregistered: any later use of one of its values throws
/// <see cref="PerturbationEscapedException"/>. There is no global mode state.
/// </summary>
/// <remarks>
/// Values hold the key, not a reference, so a <see cref="Scalar"/> is plain data: arrays of them carry no GC
/// references (no write barriers, nothing for the collector to scan). The key is
/// <c>id &lt;&lt; 22 | tapeBit &lt;&lt; 21 | tableIndex &lt;&lt; 1 | 1</c>: comparing keys compares ids (inner call =
/// larger key), the tape bit tells the mode without a lookup, the index finds the level in
/// <see cref="LevelTable"/>, and the low bit makes every key odd (see <see cref="SameLevelOrConstant"/>).
/// </remarks>
internal abstract class Level
{
    internal const int IndexBits = 20;
    internal const long IndexMask = (1L << IndexBits) - 1;
    /// <summary>Set in every key: keys are odd, so two keys share a bit and <see cref="SameLevelOrConstant"/>
    /// is one multiply.</summary>
    private const long OddBit = 1;
    private const int IndexShift = 1;
    internal const long TapeBit = 1L << (IndexShift + IndexBits);
    private const int IdShift = IndexShift + IndexBits + 1;

    private static long s_nextId;

    /// <summary>Monotone across all threads; larger = created later = nested further in.</summary>
    internal readonly long Id = Interlocked.Increment(ref s_nextId);

    /// <summary>What values of this level carry; 0 is reserved for constants.</summary>
    internal readonly long Key;

    /// <summary>True for a reverse-mode tape, false for a forward-mode (dual number) level.</summary>
    internal readonly bool IsTape;

    /// <summary>The combinator that created this level, for error messages ("Grad", "Jvp", …).</summary>
    internal readonly string Owner;

    /// <summary>Set when the owning call returns: recording into this level is over.</summary>
    internal bool Closed { get; private set; }

    /// <summary>The placeholder in <see cref="LevelTable"/>'s free slots: its key (−1) matches no value's key,
    /// so a lookup needs one compare and no null test. Not registered.</summary>
    private protected Level()
    {
        Key = -1;
        Owner = "vacant";
        Closed = true;
    }

    protected Level(bool isTape, string owner)
    {
        IsTape = isTape;
        Owner = owner;
        int index = LevelTable.Register(this);
        Key = (Id << IdShift) | (isTape ? TapeBit : 0) | ((long)index << IndexShift) | OddBit;
    }

    /// <summary>The slot of <see cref="LevelTable"/> encoded in a key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int IndexOf(long key) => (int)(key >> IndexShift) & (int)IndexMask;

    /// <summary>True when two tags are equal or one of them is 0 (a constant): the tags of an op that stays on
    /// one level. Keys are odd, so for two nonzero tags <c>a &amp; b</c> is odd, and an odd number times a
    /// nonzero one is nonzero modulo 2⁶⁴: the product is 0 exactly when <c>a &amp; b</c> is 0 (one is a
    /// constant) or <c>a ^ b</c> is 0 (equal). One multiply and one branch instead of three compares.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool SameLevelOrConstant(long a, long b) => (a & b) * (a ^ b) == 0;

    /// <summary>The call id encoded in a key (for messages about levels that are gone).</summary>
    internal static long IdOf(long key) => key >> IdShift;

    /// <summary>The value's primal one level down (a constant for a first-order value).</summary>
    internal abstract Scalar PrimalOf(in Scalar x);

    /// <summary>Ends the call: its values become unusable.</summary>
    internal void Close()
    {
        if (Closed) return;
        Closed = true;
        LevelTable.Unregister(this, IndexOf(Key));
    }

    public override string ToString() => $"{Owner} call #{Id}";
}

/// <summary>
/// The open levels, by table index. Registration and removal take a lock (once per combinator call); lookups
/// are a lock-free array read and a key compare (once per non-constant op). A slot is reused only after its
/// level closed, and the key check (which includes the never-reused id) tells a reused slot from the original.
/// </summary>
internal static class LevelTable
{
    private static readonly Lock s_lock = new();
    /// <summary>Stands in every free slot (see <see cref="Level()"/>).</summary>
    private static readonly Level s_vacant = new VacantLevel();
    private static Level[] s_levels = NewTable(256);
    private static readonly Stack<int> s_free = new();
    private static int s_used;

    internal static int Register(Level level)
    {
        lock (s_lock)
        {
            int index;
            if (s_free.Count > 0) index = s_free.Pop();
            else
            {
                if (s_used == s_levels.Length)
                {
                    if (s_used > Level.IndexMask)
                        throw new InvalidOperationException($"More than {Level.IndexMask} differentiation calls are open at once.");
                    Level[] bigger = NewTable(s_levels.Length * 2);
                    Array.Copy(s_levels, bigger, s_levels.Length);
                    Volatile.Write(ref s_levels, bigger);
                }
                index = s_used++;
            }
            s_levels[index] = level;
            return index;
        }
    }

    internal static void Unregister(Level level, int index)
    {
        lock (s_lock)
        {
            if (ReferenceEquals(s_levels[index], level))
            {
                s_levels[index] = s_vacant;
                s_free.Push(index);
            }
        }
    }

    private static Level[] NewTable(int length)
    {
        var table = new Level[length];
        Array.Fill(table, s_vacant);
        return table;
    }

    private sealed class VacantLevel : Level
    {
        internal override Scalar PrimalOf(in Scalar x) => throw new InvalidOperationException("No differentiation call owns this slot.");
    }

    /// <summary>The open level with this key, or throws <see cref="PerturbationEscapedException"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Level Get(long key)
    {
        int index = Level.IndexOf(key);
        Level level = Volatile.Read(ref s_levels)[index];
        // Free slots hold a placeholder whose key matches nothing. The throw is here (not in a helper that
        // throws) so the JIT knows this path does not return.
        if (level.Key != key) throw Escaped(key);
        return level;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static PerturbationEscapedException Escaped(long key) => new(Level.IdOf(key));
}

/// <summary>Forward mode: values carry a tangent. First-order values keep (primal, tangent) inline as doubles;
/// nested values (whose primal or tangent is itself perturbed by an outer level) keep them here.</summary>
internal sealed class ForwardLevel(string owner) : Level(isTape: false, owner)
{
    private Scalar[] _primals = [];
    private Scalar[] _tangents = [];
    private int _count;

    internal override Scalar PrimalOf(in Scalar x) => x.Nested ? _primals[x.Slot] : new Scalar(x.V);

    internal Scalar TangentOf(in Scalar x) => x.Nested ? _tangents[x.Slot] : new Scalar(x.T);

    /// <summary>A value of this level with the given primal and tangent (both one level down).</summary>
    internal Scalar Make(in Scalar primal, in Scalar tangent)
    {
        if (primal.Key == 0 && tangent.Key == 0) return new Scalar(primal.V, tangent.V, Key, -1, false);
        if (_count == _primals.Length)
        {
            int cap = Math.Max(16, _count * 2);
            Array.Resize(ref _primals, cap);
            Array.Resize(ref _tangents, cap);
        }
        _primals[_count] = primal;
        _tangents[_count] = tangent;
        return new Scalar(primal.V, 0, Key, _count++, true);
    }
}
