namespace HybridAD;

/// <summary>
/// A value that belongs to a differentiation call (it carries that call's perturbation) was used after the
/// call returned. Such a value has no meaning outside its call; using it would silently give a wrong
/// derivative, so HybridAD refuses. Return values from the differentiated function instead of storing them.
/// </summary>
public sealed class PerturbationEscapedException : InvalidOperationException
{
    internal PerturbationEscapedException(long callId)
        : base($"A value perturbed by differentiation call #{callId} was used after that call returned (an escaped " +
               "perturbation). Values created inside a differentiated function are valid only during that call; " +
               "return them from the function instead of keeping them.")
    {
        CallId = callId;
    }

    /// <summary>The id (tag) of that call.</summary>
    public long CallId { get; }
}

/// <summary>Argument checks shared by the combinators: each error names what was expected and what came.</summary>
internal static class Check
{
    internal static void NotEmpty<T>(T[] x, string op, string name)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        if (x.Length == 0)
            throw new ArgumentException($"{op}: the input {name} is empty; expected at least one element.", name);
    }

    internal static void SameLength<TA, TB>(TA[] a, string aName, TB[] b, string bName, string op)
    {
        ArgumentNullException.ThrowIfNull(b, bName);
        if (a.Length != b.Length)
            throw new ArgumentException(
                $"{op}: {bName} has length {b.Length}, but {aName} has length {a.Length}; expected {a.Length}.", bName);
    }
}
