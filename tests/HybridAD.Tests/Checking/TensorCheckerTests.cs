using HybridAD.Checking;
using HybridAD.Tensors;

namespace HybridAD.Tests.Checking;

public class TensorCheckerTests
{
    private static readonly Tensor X = Tensor.FromArray([0.1, -0.4, 0.7, 1.2, -0.9, 0.3], 2, 3);
    private static readonly Tensor W = Tensor.FromArray([0.5, -1.0, 0.25, 2.0, -0.3, 0.8], 3, 2);

    private static Tensor Layer(Tensor x) => Tensor.Tanh(Tensor.MatMul(x, W));

    [Fact]
    public void Grad_OfATensorLoss_Passes()
    {
        CheckReport report = TensorChecker.CheckGrad(x => Tensor.SumAll(Tensor.Softmax(Layer(x)) * Layer(x)).ToScalar() + Tensor.SumAll(Tensor.Exp(x)).ToScalar(), X);
        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void Jvp_Vjp_Jacobian_OfATensorFunction_Pass()
    {
        Tensor v = Tensor.FromArray([1.0, 0.5, -0.25, 0.0, 2.0, -1.0], 2, 3);
        Tensor u = Tensor.FromArray([0.3, -0.7, 1.1, 0.2], 2, 2);
        Assert.True(TensorChecker.CheckJvp(Layer, X, v).Passed);
        Assert.True(TensorChecker.CheckVjp(Layer, X, u).Passed);
        Assert.True(TensorChecker.CheckJacobian(Layer, X, JacobianMode.Forward).Passed);
        Assert.True(TensorChecker.CheckJacobian(Layer, X, JacobianMode.Reverse).Passed);
    }

    [Fact]
    public void AWrongTensorRule_Fails_WithAReport()
    {
        // A custom rule with a wrong partial (d/dx x² reported as x), lifted into a tensor function.
        var wrongSquare = CustomRule.Create("wrong_square", 1, x => x[0] * x[0], (x, y) => [x[0]]);
        CheckReport report = TensorChecker.CheckGrad(x => wrongSquare.Invoke(Tensor.SumAll(x).ToScalar()), X);
        Assert.False(report.Passed);
        Assert.Contains("FAIL", report.ToString());
    }

    [Fact]
    public void MismatchedTangentShape_NamesBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => TensorChecker.CheckJvp(Layer, X, Tensor.FromArray([1.0, 2.0], 2)));
        Assert.Contains("[2]", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
    }
}
