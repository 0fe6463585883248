using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Tests.Layers;

namespace DepthwiseSharp.Tests.Training;

/// <summary>dx, dkernel and dbias of every shared/golden case (PyTorch autograd, float64): gradients of sum(y * dy).</summary>
public class GoldenGradientTests
{
    public static TheoryData<string> Cases() => GoldenForwardTests.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_match_golden_within_1e5(string name)
    {
        var layer = DepthwiseConv1D.FromJson(File.ReadAllText(TestData.Golden(name, "layer.json")));
        var kernel = TestData.ReadSingle(TestData.Golden(name, "kernel.npy"));
        bool hasBias = File.Exists(TestData.Golden(name, "bias.npy"));
        if (hasBias)
        {
            layer.SetWeights(kernel, TestData.ReadSingle(TestData.Golden(name, "bias.npy")));
        }
        else
        {
            layer.SetWeights(kernel);
        }

        var pass = layer.Forward(TestData.ReadSingle(TestData.Golden(name, "x.npy")));
        var grads = layer.Backward(pass, TestData.ReadSingle(TestData.Golden(name, "dy.npy")));

        Check("dx", TestData.Flat(grads.Input), TestData.Shape(grads.Input));
        Check("dkernel", TestData.Flat(grads.Kernel), TestData.Shape(grads.Kernel));
        if (hasBias)
        {
            Check("dbias", TestData.Flat(grads.Bias!), TestData.Shape(grads.Bias!));
        }
        else
        {
            Assert.Null(grads.Bias);
        }

        void Check(string what, float[] actual, int[] shape)
        {
            var expected = Npy.Read(TestData.Golden(name, what + ".npy"));
            Assert.Equal(expected.Shape.ToArray(), shape);
            var e = expected.ToDoubleArray();
            double norm = Math.Sqrt(e.Sum(v => v * v));
            double dyNorm = Math.Sqrt(TestData.Flat(TestData.ReadSingle(TestData.Golden(name, "dy.npy"))).Sum(v => (double)v * v));
            if (norm < 1e-12 * dyNorm)
            {
                // Mathematically zero (softmax over time makes every row of dz sum to 0, so dbias vanishes in
                // channels_first): a relative error is meaningless; the float32 result must be rounding noise next to dy.
                double abs = Math.Sqrt(actual.Zip(e, (a, b) => (a - b) * (a - b)).Sum());
                Assert.True(abs <= 1e-5 * dyNorm, $"{name} {what}: |actual - expected| = {abs:E3} against |dy| = {dyNorm:E3}");
                return;
            }

            double err = TestData.NormwiseRelativeError(actual, e);
            Assert.True(err <= 1e-5, $"{name} {what}: normwise relative error {err:E3}");
        }
    }
}
