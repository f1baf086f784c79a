using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace HybridAD.Tensors.Lazy;

/// <summary>
/// Computes pending buffers. All requested roots of one length are computed together in one pass over their
/// index range, in blocks of <see cref="Block"/> elements: per block, every pending node they depend on runs its
/// span kernel into a small scratch block that stays in L1/L2 cache, in dependency order, shared subexpressions
/// once. Stored inputs are read in place. A node read at a shifted position (a slice, or a slice's adjoint) is a
/// separate instance (node, offset), so shifted reuse costs a recomputation in cache, never a pass over memory.
/// </summary>
/// <remarks>The plan is built iteratively (no recursion over the expression), scratch blocks are reused as soon
/// as their last reader has run, and roots that are reductions (sums) are accumulated per block, never stored.</remarks>
internal static class Evaluator
{
    internal const int Block = 512;

    /// <summary>A requested output: stored into <see cref="Target"/>, added into it at a shift
    /// (target[i − Shift] += value[i]; the <see cref="Lead"/> term, the one with the smallest shift, writes
    /// instead of adding), or summed (when Target is null).</summary>
    internal struct Root(Buf buf, double[]? target, bool accumulate = false, int shift = 0, bool lead = false)
    {
        internal readonly Buf Buf = buf;
        internal readonly double[]? Target = target;
        internal readonly bool Accumulate = accumulate;
        internal readonly int Shift = shift;
        internal readonly bool Lead = lead;
        internal double Sum;
    }

    /// <summary>Computes and publishes a pending buffer.</summary>
    internal static double[] Store(Buf buf)
    {
        if (buf.Node is null) return buf.Data; // published by another thread meanwhile
        StoreAll([buf]);
        return buf.Data;
    }

    /// <summary>Stores several pending buffers in as few passes as possible (one per distinct length of what is
    /// evaluated). A buffer that is a sum of shifted terms r[i] = Σ cₖ[i + sₖ] (the adjoint of overlapping slices:
    /// a stencil's gradient) is computed in the terms' own index space, evaluating the shared cₖ once per block
    /// and adding each into r at its shift — instead of evaluating each cₖ again at every shift.</summary>
    internal static void StoreAll(ReadOnlySpan<Buf> bufs)
    {
        if (bufs.Length == 1 && TryStoreDirect(bufs[0])) return;
        SumAndStore(null, bufs);
    }

    /// <summary>Σ of <paramref name="sum"/>'s elements (when not null) and the stored values of
    /// <paramref name="bufs"/>, in as few passes as possible: a buffer and the buffers derived from it (a loss and
    /// its gradient) share one pass, so what they have in common is computed once per block. Returns the sum
    /// (0 when <paramref name="sum"/> is null).</summary>
    internal static double SumAndStore(Buf? sum, ReadOnlySpan<Buf> bufs)
    {
        if (sum is null)
        {
            SumsAndStore([], bufs, []);
            return 0;
        }
        Span<double> result = stackalloc double[1];
        SumsAndStore([sum], bufs, result);
        return result[0];
    }

    /// <summary>The sums of <paramref name="sums"/>' elements (into <paramref name="results"/>) and the stored
    /// values of <paramref name="bufs"/>, in as few passes as possible (see <see cref="SumAndStore"/>): a primal
    /// and its tangent summed together with the tangent of their gradient, in one pass.</summary>
    internal static void SumsAndStore(ReadOnlySpan<Buf> sums, ReadOnlySpan<Buf> bufs, Span<double> results)
    {
        var roots = new List<Root>();
        foreach (Buf s in sums) roots.Add(new Root(s, null));
        var published = new List<(Buf Buf, double[] Target)>();
        foreach (Buf b in bufs)
        {
            if (b.IsStored || published.Exists(p => ReferenceEquals(p.Buf, b))) continue;
            var target = GC.AllocateUninitializedArray<double>(b.Length);
            AddStoreRoots(roots, b, target);
            published.Add((b, target));
        }
        if (roots.Count == 0)
        {
            results.Clear();
            return;
        }
        RunGrouped(roots);
        foreach (var (b, t) in published) b.Publish(t);
        for (int k = 0; k < sums.Length; k++) results[k] = roots[k].Sum;
    }

    /// <summary>The roots that compute <paramref name="b"/> into <paramref name="target"/>: itself, or — for a
    /// sum of shifted terms — each term added at its shift (the term with the smallest shift writes, the others
    /// add after it in the same block; the pass zeroes the few positions that term does not write).</summary>
    private static void AddStoreRoots(List<Root> roots, Buf b, double[] target)
    {
        var terms = ShiftedTerms(b);
        if (terms is null)
        {
            roots.Add(new Root(b, target));
            return;
        }
        int lead = 0;
        for (int k = 1; k < terms.Count; k++)
            if (terms[k].Shift < terms[lead].Shift) lead = k;
        roots.Add(new Root(terms[lead].Child, target, accumulate: true, shift: terms[lead].Shift, lead: true));
        for (int k = 0; k < terms.Count; k++)
            if (k != lead) roots.Add(new Root(terms[k].Child, target, accumulate: true, shift: terms[k].Shift));
    }

    /// <summary>One pending node whose inputs are all stored and read in place (no shift): computed with one
    /// kernel call over the whole range, without planning (the common case of small tensors, e.g. an activation
    /// between two matrix products).</summary>
    private static bool TryStoreDirect(Buf buf)
    {
        if (!IsDirect(buf, out LazyNode? node)) return false;
        var target = GC.AllocateUninitializedArray<double>(buf.Length);
        ComputeDirect(node, target);
        buf.Publish(target);
        return true;
    }

    /// <summary>A pending node, small, whose inputs are all stored and read in place.</summary>
    private static bool IsDirect(Buf buf, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LazyNode? node)
    {
        node = buf.Node; // read once: another thread may publish meanwhile
        if (node is null || node is ConstNode || node.Inputs.Length == 0 || buf.Length > 4 * Block) return false;
        Buf[] inputs = node.Inputs;
        for (int i = 0; i < inputs.Length; i++)
            if (!inputs[i].IsStored || node.InputOffset(i) != 0 || inputs[i].Length != buf.Length) return false;
        return true;
    }

    private static void ComputeDirect(LazyNode node, Span<double> target)
    {
        Buf[] inputs = node.Inputs;
        node.Compute(target, inputs[0].Span, inputs.Length > 1 ? inputs[1].Span : default, inputs.Length > 2 ? inputs[2].Span : default, 0);
    }

    /// <summary>Computes a buffer's values into <paramref name="target"/> (its first Length entries) without
    /// storing the buffer: for results consumed at once (a block of a Jacobian copied into the matrix).</summary>
    internal static void ComputeInto(Buf buf, double[] target)
    {
        if (buf.Node is not LazyNode node || node is ConstNode)
        {
            buf.Span.CopyTo(target);
            return;
        }
        var roots = new List<Root>();
        AddStoreRoots(roots, buf, target);
        RunGrouped(roots);
    }

    /// <summary>The terms (cₖ, sₖ) when <paramref name="buf"/> is a pending sum with at least one shifted term and
    /// all terms of one length; else null.</summary>
    private static List<(Buf Child, int Shift)>? ShiftedTerms(Buf buf)
    {
        if (buf.Node is not Map2Node<Rules.Elementals.Add>) return null;
        var terms = new List<(Buf Child, int Shift)>();
        var stack = new Stack<Buf>();
        stack.Push(buf);
        bool anyShift = false;
        while (stack.Count > 0)
        {
            Buf b = stack.Pop();
            LazyNode? n = b.Node;
            if (n is Map2Node<Rules.Elementals.Add> && b.Length == buf.Length)
            {
                stack.Push(n.Inputs[1]);
                stack.Push(n.Inputs[0]);
            }
            else if (n is ShiftNode sh)
            {
                terms.Add((sh.Inputs[0], sh.Offset));
                anyShift = true;
            }
            else terms.Add((b, 0));
            if (terms.Count > 16) return null;
        }
        if (!anyShift) return null;
        int len = terms[0].Child.Length;
        foreach (var t in terms)
            if (t.Child.Length != len || t.Child.TryGetConst(out _)) return null;
        return terms;
    }

    /// <summary>Σ of a buffer's elements, without storing a pending buffer.</summary>
    internal static double Sum(Buf buf)
    {
        if (buf.TryGetConst(out double c)) return c * buf.Length;
        if (buf.IsStored) return TensorPrimitives.Sum(buf.Span);
        if (IsDirect(buf, out LazyNode? direct))
        {
            double[] tmp = ArrayPool<double>.Shared.Rent(buf.Length);
            try
            {
                ComputeDirect(direct, tmp.AsSpan(0, buf.Length));
                return TensorPrimitives.Sum(tmp.AsSpan(0, buf.Length));
            }
            finally { ArrayPool<double>.Shared.Return(tmp); }
        }
        Span<Root> roots = [new Root(buf, null)];
        Run(roots);
        return roots[0].Sum;
    }

    /// <summary>Sums of two buffers of one length in one pass (a primal and its tangent).</summary>
    internal static (double, double) Sum2(Buf a, Buf b)
    {
        if (a.Length != b.Length || a.IsStored || b.IsStored) return (Sum(a), Sum(b));
        Span<Root> roots = [new Root(a, null), new Root(b, null)];
        Run(roots);
        return (roots[0].Sum, roots[1].Sum);
    }

    /// <summary>Runs the roots in one pass per distinct length; sums are written back into
    /// <paramref name="roots"/>.</summary>
    private static void RunGrouped(List<Root> roots)
    {
        var lengths = new List<int>();
        foreach (Root r in roots)
            if (!lengths.Contains(r.Buf.Length)) lengths.Add(r.Buf.Length);
        if (lengths.Count == 1)
        {
            Run(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(roots));
            return;
        }
        foreach (int len in lengths)
        {
            var group = new List<Root>();
            var at = new List<int>();
            for (int i = 0; i < roots.Count; i++)
                if (roots[i].Buf.Length == len)
                {
                    group.Add(roots[i]);
                    at.Add(i);
                }
            Run(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(group));
            for (int k = 0; k < at.Count; k++)
            {
                Root r = roots[at[k]];
                r.Sum = group[k].Sum;
                roots[at[k]] = r;
            }
        }
    }

    // ------------------------------------------------------------------------------------------ the plan

    private enum Kind : byte { Stored, Const, Node }

    private struct Inst
    {
        internal Kind Kind;
        internal Buf Buf;
        internal int Offset;
        internal LazyNode? Node;
        internal double[]? Data;       // stored input, or the const block
        internal int In0, In1, In2;    // instance indices, −1 if absent
        internal int LastUse;
        internal int Scratch;          // scratch slot, −1 if none
        internal int Target;           // root index whose target this instance writes directly, −1 if none
    }

    private readonly record struct Key(Buf Buf, int Offset);

    private sealed class KeyComparer : IEqualityComparer<Key>
    {
        internal static readonly KeyComparer Instance = new();
        public bool Equals(Key x, Key y) => ReferenceEquals(x.Buf, y.Buf) && x.Offset == y.Offset;
        public int GetHashCode(Key k) => RuntimeHelpers.GetHashCode(k.Buf) * 31 + k.Offset;
    }

    /// <summary>Reusable planning state (one per thread; a nested use gets a fresh one).</summary>
    private sealed class Planner
    {
        internal Inst[] Insts = new Inst[64];
        internal int Count;
        internal readonly Dictionary<Key, int> Index = new(KeyComparer.Instance);
        internal readonly Stack<(Key Key, bool Expanded)> Stack = new();
        internal readonly Stack<int> Free = new();
        internal bool Busy;

        internal void Add(in Inst inst)
        {
            if (Count == Insts.Length) Array.Resize(ref Insts, Count * 2);
            Insts[Count++] = inst;
        }

        internal void Reset()
        {
            Array.Clear(Insts, 0, Count);
            Count = 0;
            Index.Clear();
            Stack.Clear();
            Free.Clear();
            Busy = false;
        }
    }

    [ThreadStatic] private static Planner? t_planner;

    /// <summary>Computes the roots (all of one length) in one blocked pass.</summary>
    internal static void Run(Span<Root> roots)
    {
        Planner pl = t_planner ??= new Planner();
        if (pl.Busy) pl = new Planner();
        pl.Busy = true;
        try
        {
            RunWith(pl, roots);
        }
        finally { pl.Reset(); }
    }

    /// <summary>Blocks per chunk: the unit of parallel work, and of summation order (sums are combined per
    /// chunk in order, so results do not depend on how many threads ran).</summary>
    private const int ChunkBlocks = 16;

    /// <summary>Below this many elements (in the roots' support) the pass runs on the calling thread.</summary>
    private const int ParallelMinLength = 48 * 1024;

    private sealed class Pass
    {
        internal required Inst[] Plan;
        internal required int Count;
        internal required Root[] Roots;
        internal required int[] RootInst;
        internal required int Length;
        internal required int BlockLen;
        internal required int Slots;
        internal required int First;
        internal required int End;
        internal required double[] Zeros;
        internal required double[]?[] ChunkSums;   // per chunk: one partial sum per root
        internal required List<(double[] Target, int Pos, double Value)>?[] Deferred; // per chunk
    }

    private static void RunWith(Planner pl, Span<Root> roots)
    {
        int length = roots[0].Buf.Length;
        int[] rootInst = new int[roots.Length];
        for (int r = 0; r < roots.Length; r++) rootInst[r] = Plan(roots[r].Buf, 0, pl);

        int count = pl.Count;
        Inst[] plan = pl.Insts;
        // Liveness: the last instance reading each one; roots live to the end.
        for (int i = 0; i < count; i++) plan[i].LastUse = i;
        for (int i = 0; i < count; i++)
        {
            if (plan[i].In0 >= 0) plan[plan[i].In0].LastUse = i;
            if (plan[i].In1 >= 0) plan[plan[i].In1].LastUse = i;
            if (plan[i].In2 >= 0) plan[plan[i].In2].LastUse = i;
        }
        for (int r = 0; r < roots.Length; r++)
        {
            plan[rootInst[r]].LastUse = int.MaxValue;
            // A stored root, or the lead term of an accumulated one (which writes rather than adds), computes
            // straight into its target: no copy from scratch (the lead only where its shifted block lies in its
            // chunk's own range; elsewhere it keeps a scratch block).
            if (roots[r].Target is not null && (!roots[r].Accumulate || (roots[r].Lead && OnlyRootOf(rootInst, r)))
                && plan[rootInst[r]].Kind == Kind.Node && plan[rootInst[r]].Target < 0)
                plan[rootInst[r]].Target = r;
        }
        // Scratch slots, reused after their last reader.
        Stack<int> free = pl.Free;
        int slots = 0;
        for (int i = 0; i < count; i++)
        {
            ref Inst it = ref plan[i];
            if (it.Kind != Kind.Const && (it.Target < 0 || roots[it.Target].Accumulate)) it.Scratch = free.Count > 0 ? free.Pop() : slots++;
            ReleaseInputs(plan, i, free);
        }

        int blockLen = Math.Min(Block, Math.Max(length, 1));
        // Constant and zero blocks are pooled (returned at the end of the pass).
        var pooled = new List<double[]>();
        for (int i = 0; i < count; i++)
            if (plan[i].Kind == Kind.Const)
            {
                double[] c = ArrayPool<double>.Shared.Rent(blockLen);
                c.AsSpan(0, blockLen).Fill(((ConstNode)plan[i].Node!).Value);
                plan[i].Data = c;
                pooled.Add(c);
            }
        double[] zeros = ArrayPool<double>.Shared.Rent(blockLen);
        zeros.AsSpan(0, blockLen).Clear();
        pooled.Add(zeros);

        // Only blocks meeting some root's support are computed; a store target is zero elsewhere.
        int supLo = int.MaxValue, supHi = 0;
        for (int r = 0; r < roots.Length; r++)
        {
            var (lo, hi) = roots[r].Buf.Support;
            if (hi <= lo) continue;
            supLo = Math.Min(supLo, lo);
            supHi = Math.Max(supHi, hi);
        }
        if (supHi <= supLo) supLo = supHi = 0;
        int first = supLo / blockLen * blockLen;
        for (int r = 0; r < roots.Length; r++)
            if (roots[r].Target is double[] t && !roots[r].Accumulate)
            {
                t.AsSpan(0, Math.Min(first, length)).Clear();
                if (supHi < length) t.AsSpan(Math.Max(supHi, first), length - Math.Max(supHi, first)).Clear();
            }

        int chunkLen = ChunkBlocks * blockLen;
        int chunks = supHi > first ? (supHi - first + chunkLen - 1) / chunkLen : 0;
        // Accumulated targets: zero what the lead term will not write — outside the chunks, and in each chunk's
        // own range the part its lead term reaches only from a neighbouring chunk.
        for (int r = 0; r < roots.Length; r++)
        {
            if (!roots[r].Lead) continue;
            double[] t = roots[r].Target!;
            int m = roots[r].Shift;
            ZeroOutside(t, first, chunks == 0 ? first : supHi);
            for (int c = 0; c < chunks; c++)
            {
                int cLo = first + c * chunkLen, cHi = Math.Min(supHi, cLo + chunkLen);
                int covLo = Math.Max(cLo, cLo - m), covHi = Math.Min(cHi, cHi - m);
                if (covHi <= covLo) Zero(t, cLo, cHi);
                else
                {
                    Zero(t, cLo, covLo);
                    Zero(t, covHi, cHi);
                }
            }
        }
        var pass = new Pass
        {
            Plan = plan, Count = count, Roots = roots.ToArray(), RootInst = rootInst, Length = length, BlockLen = blockLen,
            Slots = slots, First = first, End = supHi, Zeros = zeros,
            ChunkSums = new double[]?[chunks], Deferred = new List<(double[], int, double)>?[chunks],
        };
        try
        {
            if (chunks > 1 && supHi - first >= ParallelMinLength && Environment.ProcessorCount > 1)
                Parallel.For(0, chunks, c => RunChunk(pass, c));
            else
                for (int c = 0; c < chunks; c++) RunChunk(pass, c);
        }
        finally
        {
            foreach (double[] a in pooled) ArrayPool<double>.Shared.Return(a);
        }

        // Combine in chunk order: the same result whatever ran in parallel.
        for (int c = 0; c < chunks; c++)
        {
            if (pass.ChunkSums[c] is double[] sums)
                for (int r = 0; r < roots.Length; r++) pass.Roots[r].Sum += sums[r];
            if (pass.Deferred[c] is { } deferred)
                foreach (var (target, pos, value) in deferred) target[pos] += value;
        }
        for (int r = 0; r < roots.Length; r++) roots[r].Sum = pass.Roots[r].Sum;
    }

    private static void Zero(double[] t, int lo, int hi)
    {
        lo = Math.Max(lo, 0);
        hi = Math.Min(hi, t.Length);
        if (hi > lo) t.AsSpan(lo, hi - lo).Clear();
    }

    private static void ZeroOutside(double[] t, int lo, int hi)
    {
        Zero(t, 0, lo);
        Zero(t, hi, t.Length);
    }

    /// <summary>Computes blocks of one chunk with its own scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Elementwise: a loop must not stay unoptimised
    private static void RunChunk(Pass pass, int chunk)
    {
        Inst[] plan = pass.Plan;
        int count = pass.Count, blockLen = pass.BlockLen;
        Root[] roots = pass.Roots;
        int cLo = pass.First + chunk * ChunkBlocks * blockLen;
        int cHi = Math.Min(pass.End, cLo + ChunkBlocks * blockLen);
        double[] scratch = ArrayPool<double>.Shared.Rent(Math.Max(1, pass.Slots) * blockLen);
        double[][] segArr = ArrayPool<double[]>.Shared.Rent(count);
        int[] segOff = ArrayPool<int>.Shared.Rent(count);
        double[]? sums = null;
        foreach (Root r in roots)
            if (r.Target is null) sums = new double[roots.Length];
        try
        {
            for (int i = 0; i < count; i++)
                if (plan[i].Kind == Kind.Const)
                {
                    segArr[i] = plan[i].Data!;
                    segOff[i] = 0;
                }
            for (int i0 = cLo; i0 < cHi; i0 += blockLen)
            {
                int n = Math.Min(blockLen, pass.Length - i0);
                for (int i = 0; i < count; i++)
                {
                    ref Inst it = ref plan[i];
                    int pos = i0 + it.Offset;
                    switch (it.Kind)
                    {
                        case Kind.Const:
                            break;
                        case Kind.Stored:
                            if (pos >= 0 && pos + n <= it.Buf.Length)
                            {
                                segArr[i] = it.Data!;
                                segOff[i] = it.Buf.Start + pos;
                            }
                            else
                            {
                                // Edge of a shifted read: copy the valid part, zero the rest.
                                Span<double> s = scratch.AsSpan(it.Scratch * blockLen, n);
                                s.Clear();
                                int lo = Math.Max(0, -pos), hi = Math.Min(n, it.Buf.Length - pos);
                                if (hi > lo) it.Data.AsSpan(it.Buf.Start + pos + lo, hi - lo).CopyTo(s[lo..hi]);
                                segArr[i] = scratch;
                                segOff[i] = it.Scratch * blockLen;
                            }
                            break;
                        default:
                        {
                            double[] arr;
                            int off = 0;
                            bool direct = it.Target >= 0 && WritesTarget(roots[it.Target], i0, n, cLo, cHi, out off);
                            if (direct) arr = roots[it.Target].Target!;
                            else
                            {
                                arr = scratch;
                                off = it.Scratch * blockLen;
                            }
                            var (sLo, sHi) = it.Buf.Support;
                            if (sHi <= pos || sLo >= pos + n)
                            {
                                // Known zero here: nothing to compute.
                                if (direct) arr.AsSpan(off, n).Clear();
                                else
                                {
                                    arr = pass.Zeros;
                                    off = 0;
                                }
                            }
                            else
                            {
                                // Only positions inside the node's range are computed (a shifted read can reach
                                // outside it); the rest of the block is zero.
                                int lo = Math.Max(0, -pos), hi = Math.Min(n, it.Buf.Length - pos);
                                Span<double> dst = arr.AsSpan(off, n);
                                if (hi <= lo) dst.Clear();
                                else
                                {
                                    if (lo > 0) dst[..lo].Clear();
                                    if (hi < n) dst[hi..].Clear();
                                    int w = hi - lo;
                                    it.Node!.Compute(dst.Slice(lo, w), Seg(segArr, segOff, it.In0, lo, w), Seg(segArr, segOff, it.In1, lo, w),
                                        Seg(segArr, segOff, it.In2, lo, w), pos + lo);
                                }
                            }
                            segArr[i] = arr;
                            segOff[i] = off;
                            break;
                        }
                    }
                }
                for (int r = 0; r < roots.Length; r++)
                {
                    int ri = pass.RootInst[r];
                    ReadOnlySpan<double> v = segArr[ri].AsSpan(segOff[ri], n);
                    if (roots[r].Target is null) sums![r] += TensorPrimitives.Sum(v);
                    else if (plan[ri].Target == r && WritesTarget(roots[r], i0, n, cLo, cHi, out _)) continue; // written in place
                    else if (roots[r].Accumulate) Accumulate(pass, chunk, roots[r], v, i0, cLo, cHi);
                    else v.CopyTo(roots[r].Target.AsSpan(i0, n));
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(scratch);
            ArrayPool<double[]>.Shared.Return(segArr, clearArray: true);
            ArrayPool<int>.Shared.Return(segOff);
        }
        pass.ChunkSums[chunk] = sums;
    }

    /// <summary>True when no other root reads root <paramref name="r"/>'s instance (a value written in place into
    /// an accumulated target is changed by the adds that follow, so it must have no other reader then).</summary>
    private static bool OnlyRootOf(int[] rootInst, int r)
    {
        for (int k = 0; k < rootInst.Length; k++)
            if (k != r && rootInst[k] == rootInst[r]) return false;
        return true;
    }

    /// <summary>True (with the offset in the target) when the root's instance may compute the block at
    /// <paramref name="i0"/> straight into the target: always for a stored root; for the lead term of an
    /// accumulated root, when the shifted block lies inside this chunk's own range (what <see cref="Accumulate"/>
    /// would copy there now, rather than defer).</summary>
    private static bool WritesTarget(in Root root, int i0, int n, int cLo, int cHi, out int offset)
    {
        if (!root.Accumulate)
        {
            offset = i0;
            return true;
        }
        offset = i0 - root.Shift;
        return root.Lead && offset >= cLo && offset + n <= cHi && offset >= 0 && offset + n <= root.Target!.Length;
    }

    /// <summary>target[i − shift] += v for the block at i0 (= for the lead term). Positions inside this chunk's
    /// own range are written now (no other chunk writes them); the few beyond it (a shift crossing the chunk edge)
    /// are deferred and added after all chunks, in chunk order, onto zeroed positions.</summary>
    private static void Accumulate(Pass pass, int chunk, in Root root, ReadOnlySpan<double> v, int i0, int cLo, int cHi)
    {
        double[] t = root.Target!;
        int at = i0 - root.Shift, n = v.Length;
        int lo = Math.Max(0, -at), hi = Math.Min(n, t.Length - at);
        if (hi <= lo) return;
        int own0 = Math.Clamp(cLo - at, lo, hi), own1 = Math.Clamp(cHi - at, own0, hi);
        if (own1 > own0)
        {
            Span<double> d = t.AsSpan(at + own0, own1 - own0);
            if (root.Lead) v[own0..own1].CopyTo(d);
            else TensorPrimitives.Add(d, v[own0..own1], d);
        }
        if (own0 > lo || hi > own1)
        {
            var list = pass.Deferred[chunk] ??= [];
            for (int j = lo; j < own0; j++) list.Add((t, at + j, v[j]));
            for (int j = own1; j < hi; j++) list.Add((t, at + j, v[j]));
        }
    }

    private static ReadOnlySpan<double> Seg(double[][] arr, int[] off, int inst, int start, int n) =>
        inst < 0 ? default : new ReadOnlySpan<double>(arr[inst], off[inst] + start, n);

    private static void ReleaseInputs(Inst[] plan, int i, Stack<int> free)
    {
        ref Inst it = ref plan[i];
        Release(plan, it.In0, i, free);
        if (it.In1 != it.In0) Release(plan, it.In1, i, free);
        if (it.In2 != it.In0 && it.In2 != it.In1) Release(plan, it.In2, i, free);
    }

    private static void Release(Inst[] plan, int input, int reader, Stack<int> free)
    {
        if (input < 0 || plan[input].LastUse != reader || plan[input].Scratch < 0) return;
        free.Push(plan[input].Scratch);
    }

    /// <summary>Adds the instance (buf, offset) and everything it needs, children first; returns its index.
    /// Iterative depth-first post-order: the expression's depth never reaches the call stack.</summary>
    private static int Plan(Buf rootBuf, int rootOffset, Planner pl)
    {
        var index = pl.Index;
        var stack = pl.Stack;
        stack.Push((new Key(rootBuf, rootOffset), false));
        while (stack.Count > 0)
        {
            var (key, expanded) = stack.Pop();
            if (index.ContainsKey(key)) continue;
            LazyNode? node = key.Buf.Node;
            double[]? data = node is null ? key.Buf.Data : null;
            if (node is null || node is ConstNode)
            {
                var leafKey = node is ConstNode ? new Key(key.Buf, 0) : key;
                if (!index.TryGetValue(leafKey, out int leaf))
                {
                    leaf = pl.Count;
                    pl.Add(new Inst
                    {
                        Kind = node is null ? Kind.Stored : Kind.Const, Buf = key.Buf, Offset = key.Offset, Node = node, Data = data,
                        In0 = -1, In1 = -1, In2 = -1, Scratch = -1, Target = -1,
                    });
                    index[leafKey] = leaf;
                }
                index[key] = leaf;
                continue;
            }
            Buf[] inputs = node.Inputs;
            if (!expanded)
            {
                stack.Push((key, true));
                for (int i = inputs.Length - 1; i >= 0; i--)
                {
                    var child = new Key(inputs[i], key.Offset + node.InputOffset(i));
                    if (!index.ContainsKey(child)) stack.Push((child, false));
                }
                continue;
            }
            var inst = new Inst
            {
                Kind = Kind.Node, Buf = key.Buf, Offset = key.Offset, Node = node,
                In0 = inputs.Length > 0 ? index[new Key(inputs[0], key.Offset + node.InputOffset(0))] : -1,
                In1 = inputs.Length > 1 ? index[new Key(inputs[1], key.Offset + node.InputOffset(1))] : -1,
                In2 = inputs.Length > 2 ? index[new Key(inputs[2], key.Offset + node.InputOffset(2))] : -1,
                Scratch = -1, Target = -1,
            };
            index[key] = pl.Count;
            pl.Add(inst);
        }
        return index[new Key(rootBuf, rootOffset)];
    }
}
