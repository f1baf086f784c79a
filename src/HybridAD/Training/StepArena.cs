namespace HybridAD.Training;

/// <summary>
/// Reusable arrays for the temporaries of one training step (<see cref="Trainer.Stepper"/>): the outputs of the fused
/// dense layers recorded on the step's tape and every array the step's backward sweep produces. They are dead once the
/// step has copied its gradients out, so the next step takes them again instead of allocating — for the MNIST-size
/// network that is about 4 MB a step that would otherwise go to the large-object heap and cost page faults and
/// full collections.
/// </summary>
/// <remarks>
/// <para>Never aliasing a value the user can see: an array is lent only (1) for the primal output of an operation
/// recorded on the step's own tape (<see cref="LendsForward"/>: its tensor belongs to that tape, so reading it after
/// the step throws <see cref="PerturbationEscapedException"/>, and nothing else refers to the array), or (2) during the
/// step's backward sweep (<see cref="Sweeping"/>: everything produced there is a cotangent of that sweep; the stepper
/// copies the parameter gradients out before the step ends). Tensors computed from constants only, and anything a
/// user's own nested differentiation call returns, are always freshly allocated.</para>
/// <para>One arena per stepper and thread: <see cref="Enter"/> makes it the calling thread's current arena until
/// <see cref="Exit"/>, which takes every lent array back.</para>
/// </remarks>
internal sealed class StepArena
{
    [ThreadStatic] private static StepArena? t_current;

    private readonly Dictionary<int, Stack<double[]>> _free = [];
    private readonly List<double[]> _lent = [];
    private StepArena? _previous;
    private bool _active;

    /// <summary>The calling thread's arena while a step runs, or null.</summary>
    internal static StepArena? Current => t_current;

    /// <summary>The key of the step's tape (0 until the objective starts).</summary>
    internal long TapeKey { get; set; }

    /// <summary>True once the objective has returned: the step's backward sweep is running.</summary>
    internal bool Sweeping { get; set; }

    /// <summary>The number of arrays lent during the current step (tests).</summary>
    internal int LentCount => _lent.Count;

    /// <summary>Makes this the calling thread's arena for one step.</summary>
    internal void Enter()
    {
        if (_active) throw new InvalidOperationException("StepArena: a step is already running on this arena.");
        _active = true;
        _previous = t_current;
        t_current = this;
        TapeKey = 0;
        Sweeping = false;
    }

    /// <summary>Ends the step: every lent array becomes free for the next step.</summary>
    internal void Exit()
    {
        t_current = _previous;
        _previous = null;
        _active = false;
        foreach (double[] a in _lent)
        {
            if (!_free.TryGetValue(a.Length, out var stack)) _free[a.Length] = stack = new Stack<double[]>();
            stack.Push(a);
        }
        _lent.Clear();
        TapeKey = 0;
        Sweeping = false;
    }

    /// <summary>True when an operation whose innermost input level is <paramref name="top"/> may take its primal
    /// output from the current arena: the level is the step's tape and the sweep has not begun.</summary>
    internal static bool LendsForward(long top) => t_current is { } a && !a.Sweeping && top != 0 && top == a.TapeKey;

    /// <summary>An array of exactly <paramref name="length"/> doubles (contents undefined) from the current arena when
    /// <paramref name="lend"/> is set and an arena is running, else a new one.</summary>
    internal static double[] Take(int length, bool lend)
    {
        if (!lend || t_current is not { } a) return GC.AllocateUninitializedArray<double>(length);
        double[] r = a._free.TryGetValue(length, out var stack) && stack.Count > 0
            ? stack.Pop()
            : GC.AllocateUninitializedArray<double>(length);
        a._lent.Add(r);
        return r;
    }

    /// <summary>An array for a value of the backward sweep: lent while the current arena's sweep runs, else new.</summary>
    internal static double[] TakeForSweep(int length) => Take(length, t_current is { Sweeping: true });
}
