using HybridAD.Tensors;

namespace HybridAD.Checking;

/// <summary>
/// The <see cref="Checker"/>'s checks for functions of <see cref="Tensor"/>s. A tensor function is checked as the
/// function of its flattened (row-major) elements: x ∈ ℝ^(shape) is rebuilt from the element vector with
/// <see cref="Tensor.FromScalars"/> and <see cref="Tensor.Reshape"/>, and a tensor result is read back element by
/// element. HybridAD's derivatives therefore flow through the tensor rules' own JVPs and VJPs, and are compared,
/// exactly as for scalar functions, with finite differences (or, for the VJP, through ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩).
/// Reports name entries by their flat index. Meant for checking small tensors: each element read is one op.
/// </summary>
/// <example><code>
/// var report = TensorChecker.CheckGrad(x => Tensor.SumAll(Tensor.Tanh(x) * x).ToScalar(),
///                                      Tensor.FromArray([0.1, -0.4, 0.7, 1.2], 2, 2));
/// Console.WriteLine(report); // PASS CheckGrad …
/// </code></example>
public static class TensorChecker
{
    /// <summary>∇f(x) (reverse mode through the tensor rules) against finite differences.</summary>
    public static CheckReport CheckGrad(Func<Tensor, Scalar> f, Tensor x, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        int[] shape = x.Shape.ToArray();
        return Checker.CheckGrad(xs => f(Rebuild(xs, shape)), x.ToArray(), options);
    }

    /// <summary>J_f(x)·v (forward mode through the tensor rules) against finite differences along v.</summary>
    /// <exception cref="ArgumentException">v's shape differs from x's.</exception>
    public static CheckReport CheckJvp(Func<Tensor, Tensor> f, Tensor x, Tensor v, CheckOptions? options = null)
    {
        SameShape(x, v, "the tangent v", nameof(CheckJvp));
        int[] shape = x.Shape.ToArray();
        return Checker.CheckJvp(Flatten(f, shape), x.ToArray(), v.ToArray(), options);
    }

    /// <summary>uᵀ·J_f(x) (reverse mode through the tensor rules), checked without forming J through
    /// ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩ with random v. <paramref name="u"/> has f(x)'s shape.</summary>
    public static CheckReport CheckVjp(Func<Tensor, Tensor> f, Tensor x, Tensor u, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(u);
        int[] shape = x.Shape.ToArray();
        return Checker.CheckVjp(Flatten(f, shape), x.ToArray(), u.ToArray(), options);
    }

    /// <summary>The whole Jacobian of the flattened function (by <paramref name="mode"/>) against finite differences.</summary>
    public static CheckReport CheckJacobian(Func<Tensor, Tensor> f, Tensor x, JacobianMode mode = JacobianMode.Auto,
        CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        int[] shape = x.Shape.ToArray();
        return Checker.CheckJacobian(Flatten(f, shape), x.ToArray(), mode, options);
    }

    private static Tensor Rebuild(Scalar[] xs, int[] shape) => Tensor.FromScalars(xs).Reshape(shape);

    private static Func<Scalar[], Scalar[]> Flatten(Func<Tensor, Tensor> f, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(f);
        return xs =>
        {
            Tensor y = f(Rebuild(xs, shape)) ?? throw new InvalidOperationException("f returned null; expected a tensor.");
            Tensor flat = y.Reshape(y.Length);
            var result = new Scalar[y.Length];
            for (int i = 0; i < result.Length; i++) result[i] = flat.At(i);
            return result;
        };
    }

    private static void SameShape(Tensor x, Tensor v, string name, string op)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(v);
        if (!x.Shape.SequenceEqual(v.Shape))
            throw new ArgumentException(
                $"{op}: {name} has shape [{string.Join(", ", v.Shape.ToArray())}], but x has shape [{string.Join(", ", x.Shape.ToArray())}]; expected the same shape.", nameof(v));
    }
}
