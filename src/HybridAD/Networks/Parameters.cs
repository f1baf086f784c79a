using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text;

namespace HybridAD.Networks;

/// <summary>What a parameter tensor is for: L2 regularization applies to <see cref="Weight"/>s only.</summary>
public enum ParameterRole
{
    /// <summary>A weight matrix W (regularized by <see cref="Regularization.L2"/>).</summary>
    Weight,
    /// <summary>A bias vector b (not regularized).</summary>
    Bias,
}

/// <summary>
/// The declaration of one parameter tensor of a network: its path in the parameter tree (e.g. <c>dense1.W</c>),
/// its shape and its role.
/// </summary>
/// <param name="Name">The dotted path, unique in its network: layer name, then the tensor's own name.</param>
/// <param name="Shape">The tensor's shape (e.g. [out, in] for a dense layer's W).</param>
/// <param name="Role">Weight or bias.</param>
public sealed record ParameterSpec(string Name, ImmutableArray<int> Shape, ParameterRole Role)
{
    /// <summary>The number of scalars (the product of the shape).</summary>
    public int Size
    {
        get
        {
            long n = 1;
            foreach (int d in Shape) n *= d;
            return checked((int)n);
        }
    }

    /// <summary>"dense1.W [64, 64]".</summary>
    public override string ToString() => $"{Name} [{string.Join(", ", Shape)}]";

    /// <summary>Structural equality (name, shape, role).</summary>
    public bool Equals(ParameterSpec? other) =>
        other is not null && Name == other.Name && Role == other.Role && Shape.AsSpan().SequenceEqual(other.Shape.AsSpan());

    /// <summary>A hash of the name and rank.</summary>
    public override int GetHashCode() => HashCode.Combine(Name, Shape.Length, Role);
}

/// <summary>
/// A network's parameters: an immutable tree of named tensors. The leaves are tensors with dotted paths
/// (<c>dense1.W</c>, <c>dense1.b</c>, <c>dense2.W</c>, …) in a fixed order; <see cref="Group"/> selects a subtree.
/// The whole tree flattens to one vector (<see cref="ToVector"/>, leaves in order, each row-major) — the vector
/// <see cref="Training.Optimizer"/>s update and finite-difference checkers perturb — and back
/// (<see cref="WithVector"/>, or differentiably <see cref="Unflatten"/>). For an MLP the order is
/// [W₁, b₁, W₂, b₂, …], the same as <see cref="Training.MlpWeights.ToVector"/>.
/// </summary>
/// <remarks>The loss of a network is a function of its parameters, <c>Func&lt;Parameters, Scalar&gt;</c>;
/// <see cref="ValueAndGrad"/> differentiates it in reverse mode (one tape, one backward sweep) and returns the
/// gradient as a tree of the same shape.</remarks>
/// <example><code>
/// Network net = Network.Create(4, Layers.Dense(8) >> Layers.Tanh >> Layers.Dense(3) >> Layers.Softmax);
/// Parameters p = net.Init(seed: 1);
/// var (loss, grad) = Parameters.ValueAndGrad(q => Losses.CrossEntropy(net.Logits(q, x), c), p);
/// Tensor gW = grad["dense1.W"];             // ∂loss/∂W₁, shape [8, 4]
/// double[] theta = p.ToVector();            // 8·4 + 8 + 3·8 + 3 = 67 values
/// </code></example>
public sealed class Parameters
{
    private readonly Tensor[] _tensors;
    private readonly int[] _offsets;

    private Parameters(ImmutableArray<ParameterSpec> specs, Tensor[] tensors)
    {
        Specs = specs;
        _tensors = tensors;
        _offsets = new int[specs.Length + 1];
        for (int i = 0; i < specs.Length; i++) _offsets[i + 1] = checked(_offsets[i] + specs[i].Size);
    }

    /// <summary>Parameters from declarations and tensors of exactly the declared shapes (a copy of the array).</summary>
    /// <exception cref="ArgumentException">The counts differ, a name repeats, or a tensor's shape is not its
    /// declared shape (the message names the parameter and both shapes).</exception>
    public static Parameters Create(ImmutableArray<ParameterSpec> specs, IReadOnlyList<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (specs.IsDefault) throw new ArgumentException("Parameters.Create: no declarations.", nameof(specs));
        if (tensors.Count != specs.Length)
            throw new ArgumentException($"Parameters.Create: {tensors.Count} tensors for {specs.Length} declared parameters; expected {specs.Length}.", nameof(tensors));
        var names = new HashSet<string>(StringComparer.Ordinal);
        var copy = new Tensor[specs.Length];
        for (int i = 0; i < specs.Length; i++)
        {
            if (!names.Add(specs[i].Name))
                throw new ArgumentException($"Parameters.Create: the name '{specs[i].Name}' appears twice; expected unique paths.", nameof(specs));
            copy[i] = tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"Parameters.Create: the tensor for '{specs[i].Name}' is null.");
            CheckShape(specs[i], copy[i], "Parameters.Create");
        }
        return new Parameters(specs, copy);
    }

    /// <summary>Parameters of the declared shapes holding the values of a flat vector (leaves in order, row-major).</summary>
    /// <exception cref="ArgumentException">The vector's length is not the total size.</exception>
    public static Parameters FromVector(ImmutableArray<ParameterSpec> specs, ReadOnlySpan<double> vector)
    {
        if (specs.IsDefault) throw new ArgumentException("Parameters.FromVector: no declarations.", nameof(specs));
        var tensors = new Tensor[specs.Length];
        int at = 0;
        for (int i = 0; i < specs.Length; i++)
        {
            int size = specs[i].Size;
            if (at + size > vector.Length) break;
            tensors[i] = Tensor.FromSpan(vector.Slice(at, size), [.. specs[i].Shape]);
            at += size;
        }
        int total = 0;
        foreach (var s in specs) total += s.Size;
        if (vector.Length != total)
            throw new ArgumentException($"Parameters.FromVector: the vector has length {vector.Length}; expected {total} ({Describe(specs)}).", nameof(vector));
        return Create(specs, tensors);
    }

    /// <summary>The declarations (paths, shapes, roles), in flattening order.</summary>
    public ImmutableArray<ParameterSpec> Specs { get; }

    /// <summary>The number of parameter tensors (leaves).</summary>
    public int Count => Specs.Length;

    /// <summary>The total number of scalars (the length of <see cref="ToVector"/>).</summary>
    public int Size => _offsets[^1];

    /// <summary>The leaf tensors, in order.</summary>
    public ImmutableArray<Tensor> Tensors => [.. _tensors];

    /// <summary>Leaf <paramref name="index"/>.</summary>
    public Tensor this[int index] => _tensors[index];

    /// <summary>The leaf at a path, e.g. <c>p["dense1.W"]</c>.</summary>
    /// <exception cref="KeyNotFoundException">No leaf has that path (the message lists the paths).</exception>
    public Tensor this[string name] => _tensors[IndexOf(name)];

    /// <summary>The index of the leaf at <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No leaf has that path.</exception>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Specs.Length; i++)
            if (Specs[i].Name == name) return i;
        throw new KeyNotFoundException($"Parameters: no parameter '{name}'; the parameters are {string.Join(", ", Specs.Select(s => s.Name))}.");
    }

    /// <summary>The offset of leaf <paramref name="index"/> in the flat vector.</summary>
    public int OffsetOf(int index) => _offsets[index];

    /// <summary>The names of the top-level subtrees (the part of each path before the first dot), in order.</summary>
    public ImmutableArray<string> Groups
    {
        get
        {
            var b = ImmutableArray.CreateBuilder<string>();
            foreach (var s in Specs)
            {
                string head = Head(s.Name);
                if (!b.Contains(head)) b.Add(head);
            }
            return b.ToImmutable();
        }
    }

    /// <summary>The subtree under <paramref name="prefix"/> (e.g. <c>"dense1"</c> → {W, b}), with the prefix removed
    /// from the paths.</summary>
    /// <exception cref="KeyNotFoundException">No path starts with the prefix.</exception>
    public Parameters Group(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var specs = ImmutableArray.CreateBuilder<ParameterSpec>();
        var tensors = new List<Tensor>();
        for (int i = 0; i < Specs.Length; i++)
        {
            if (!Specs[i].Name.StartsWith(prefix + ".", StringComparison.Ordinal)) continue;
            specs.Add(Specs[i] with { Name = Specs[i].Name[(prefix.Length + 1)..] });
            tensors.Add(_tensors[i]);
        }
        if (tensors.Count == 0)
            throw new KeyNotFoundException($"Parameters: no group '{prefix}'; the groups are {string.Join(", ", Groups)}.");
        return new Parameters(specs.ToImmutable(), [.. tensors]);
    }

    /// <summary>The same tree with other tensors (of the same shapes), e.g. after an update.</summary>
    /// <exception cref="ArgumentException">A count or shape differs.</exception>
    public Parameters With(IReadOnlyList<Tensor> tensors) => Create(Specs, tensors);

    /// <summary>The same tree with every leaf mapped by <paramref name="f"/> (which must keep shapes).</summary>
    public Parameters Map(Func<ParameterSpec, Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var r = new Tensor[_tensors.Length];
        for (int i = 0; i < r.Length; i++) r[i] = f(Specs[i], _tensors[i]);
        return Create(Specs, r);
    }

    /// <summary>All values as one new vector: leaves in order, each row-major.</summary>
    public double[] ToVector()
    {
        var v = new double[Size];
        CopyTo(v);
        return v;
    }

    /// <summary>Writes all values into <paramref name="destination"/> (length <see cref="Size"/>).</summary>
    /// <exception cref="ArgumentException">The destination's length is not <see cref="Size"/>.</exception>
    public void CopyTo(Span<double> destination)
    {
        if (destination.Length != Size)
            throw new ArgumentException($"Parameters.CopyTo: the destination has length {destination.Length}; expected {Size}.", nameof(destination));
        for (int i = 0; i < _tensors.Length; i++) _tensors[i].CopyTo(destination.Slice(_offsets[i], Specs[i].Size));
    }

    /// <summary>The same tree holding the values of <paramref name="vector"/> (in <see cref="ToVector"/>'s order).</summary>
    /// <exception cref="ArgumentException">The vector's length is not <see cref="Size"/>.</exception>
    public Parameters WithVector(ReadOnlySpan<double> vector) => FromVector(Specs, vector);

    /// <summary>
    /// The tree whose leaves are slices of a (possibly perturbed) vector tensor: differentiable, so a loss of the
    /// parameters becomes a function of one flat vector — for <see cref="TensorAD.Jacobian"/>,
    /// <see cref="TensorAD.Hessian"/> or a finite-difference checker.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not a vector of length <see cref="Size"/>.</exception>
    /// <example><code>
    /// Func&lt;Tensor, Scalar&gt; flat = v => loss(p.Unflatten(v));
    /// Tensor g = TensorAD.Grad(flat, Tensor.Vector(p.ToVector()));
    /// </code></example>
    public Parameters Unflatten(Tensor vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        if (vector.Rank != 1 || vector.Length != Size)
            throw new ArgumentException($"Parameters.Unflatten: the tensor has shape [{string.Join(", ", vector.Shape.ToArray())}]; expected a vector of length {Size}.", nameof(vector));
        var r = new Tensor[_tensors.Length];
        for (int i = 0; i < r.Length; i++)
            r[i] = Tensor.Slice(vector, 0, _offsets[i], Specs[i].Size).Reshape([.. Specs[i].Shape]);
        return new Parameters(Specs, r);
    }

    /// <summary>
    /// (f(p), ∇f(p)) for a scalar function of the parameters, by reverse mode (one evaluation recording the tape,
    /// one backward sweep); the gradient is a tree of the same paths and shapes.
    /// </summary>
    /// <example><code>var (loss, grad) = Parameters.ValueAndGrad(q => Losses.Mse(net.Apply(q, x), c), p);</code></example>
    public static (Scalar Value, Parameters Gradient) ValueAndGrad(Func<Parameters, Scalar> f, Parameters at)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(at);
        var specs = at.Specs;
        var (value, grads) = TensorAD.ValueAndGrad(xs => f(new Parameters(specs, xs)), at._tensors);
        return (value, new Parameters(specs, grads));
    }

    /// <summary>∇f(p) as a tree. See <see cref="ValueAndGrad"/>.</summary>
    public static Parameters Grad(Func<Parameters, Scalar> f, Parameters at) => ValueAndGrad(f, at).Gradient;

    /// <summary>True when both trees have the same declarations and bit-identical values.</summary>
    public bool BitEquals(Parameters other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!Specs.SequenceEqual(other.Specs)) return false;
        return MemoryMarshal.AsBytes(ToVector().AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(other.ToVector().AsSpan()));
    }

    /// <summary>"Parameters(dense1.W [64, 64], dense1.b [64], …; 6570 values)".</summary>
    public override string ToString() => $"Parameters({Describe(Specs)}; {Size} values)";

    internal ReadOnlySpan<Tensor> Span => _tensors;

    internal static Parameters Wrap(ImmutableArray<ParameterSpec> specs, Tensor[] tensors) => new(specs, tensors);

    private static string Head(string path)
    {
        int dot = path.IndexOf('.');
        return dot < 0 ? path : path[..dot];
    }

    private static string Describe(ImmutableArray<ParameterSpec> specs)
    {
        var sb = new StringBuilder();
        foreach (var s in specs)
        {
            if (sb.Length > 0) sb.Append(", ");
            sb.Append(s);
        }
        return sb.ToString();
    }

    internal static void CheckShape(ParameterSpec spec, Tensor t, string op)
    {
        if (!t.Shape.SequenceEqual(spec.Shape.AsSpan()))
            throw new ArgumentException(
                $"{op}: parameter '{spec.Name}' has shape [{string.Join(", ", t.Shape.ToArray())}]; expected [{string.Join(", ", spec.Shape)}].");
    }
}
