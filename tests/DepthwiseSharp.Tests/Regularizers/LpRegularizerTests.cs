using DepthwiseSharp.Regularizers;
using static DepthwiseSharp.Tests.Regularizers.RegularizerTestData;

namespace DepthwiseSharp.Tests.Regularizers;

public class LpRegularizerTests
{
    public static TheoryData<int[]> KernelShapes => new() { new[] { 5, 7, 3 }, new[] { 9, 16, 1 } };

    private static double RefL1(double[] w, double l1)
    {
        double s = 0;
        foreach (double x in w)
        {
            s += Math.Abs(x);
        }

        return l1 * s;
    }

    private static double RefL2(double[] w, double l2)
    {
        double s = 0;
        foreach (double x in w)
        {
            s += x * x;
        }

        return l2 * s;
    }

    [Theory]
    [MemberData(nameof(KernelShapes))]
    public void L1_MatchesFloat64Formula(int[] shape)
    {
        double[] w = RandomDoubles(Product(shape), 11);
        var reg = new L1(0.003);
        AssertClose(RefL1(w, 0.003), reg.Compute<double>(w, shape), 1e-14);
        float[] wf = Array.ConvertAll(w, x => (float)x);
        double[] wfd = Array.ConvertAll(wf, x => (double)x);
        AssertClose(RefL1(wfd, 0.003), reg.Compute<float>(wf, shape), 1e-6);
    }

    [Theory]
    [MemberData(nameof(KernelShapes))]
    public void L2_MatchesFloat64Formula(int[] shape)
    {
        double[] w = RandomDoubles(Product(shape), 12);
        var reg = new L2(0.02);
        AssertClose(RefL2(w, 0.02), reg.Compute<double>(w, shape), 1e-14);
        float[] wf = Array.ConvertAll(w, x => (float)x);
        double[] wfd = Array.ConvertAll(wf, x => (double)x);
        AssertClose(RefL2(wfd, 0.02), reg.Compute<float>(wf, shape), 1e-6);
    }

    [Theory]
    [MemberData(nameof(KernelShapes))]
    public void L1L2_MatchesFloat64Formula(int[] shape)
    {
        double[] w = RandomDoubles(Product(shape), 13);
        var reg = new L1L2(0.001, 0.01);
        AssertClose(RefL1(w, 0.001) + RefL2(w, 0.01), reg.Compute<double>(w, shape), 1e-14);
        float[] wf = Array.ConvertAll(w, x => (float)x);
        double[] wfd = Array.ConvertAll(wf, x => (double)x);
        AssertClose(RefL1(wfd, 0.001) + RefL2(wfd, 0.01), reg.Compute<float>(wf, shape), 1e-6);
    }

    [Fact]
    public void KerasDocExample_L2OfOnes()
    {
        // Keras docstring: L2(2.)(ones((5, 5))) == 50.0
        var ones = Enumerable.Repeat(1f, 25).ToArray();
        Assert.Equal(50f, new L2(2.0).Compute<float>(ones, [5, 5]));
    }

    [Fact]
    public void L1L2_ZeroFactorTermIsSkipped()
    {
        double[] w = [double.PositiveInfinity, 1.0];
        Assert.Equal(double.PositiveInfinity, new L1L2(0.0, 0.5).Compute<double>(w, [2]));
        Assert.Equal(0.0, new L1L2(0.0, 0.0).Compute<double>(w, [2]));
    }

    public static TheoryData<string> GradientCases => new() { "l1", "l2", "l1l2" };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradient_MatchesCentralDifferences(string which)
    {
        foreach (int[] shape in new[] { new[] { 5, 7, 3 }, new[] { 9, 16, 1 } })
        {
            Regularizer reg = which switch
            {
                "l1" => new L1(0.03),
                "l2" => new L2(0.05),
                _ => new L1L2(0.02, 0.07),
            };
            double[] w = RandomDoubles(Product(shape), 21);
            var grad = new double[w.Length];
            reg.AddGradient<double>(w, shape, 1.0, grad);
            const double h = 1e-6;
            for (int i = 0; i < w.Length; i++)
            {
                double[] p = (double[])w.Clone();
                double[] m = (double[])w.Clone();
                p[i] += h;
                m[i] -= h;
                double fd = (reg.Compute<double>(p, shape) - reg.Compute<double>(m, shape)) / (2 * h);
                AssertClose(fd, grad[i], 1e-6, 1e-8);
            }
        }
    }

    [Fact]
    public void AddGradient_AccumulatesWithScale()
    {
        double[] w = [-2.0, 0.0, 3.0];
        double[] g = [1.0, 1.0, 1.0];
        new L1L2(0.5, 0.25).AddGradient<double>(w, [3], 0.1, g);

        // d/dw = 0.5 * sign(w) + 2 * 0.25 * w
        Assert.Equal(1.0 + (0.1 * (-0.5 - 1.0)), g[0], 15);
        Assert.Equal(1.0, g[1], 15);
        Assert.Equal(1.0 + (0.1 * (0.5 + 1.5)), g[2], 15);

        float[] gf = new float[3];
        new L1(0.5).AddGradient<float>([-2f, 0f, 3f], [3], 2f, gf);
        Assert.Equal([-1f, 0f, 1f], gf);
    }

    [Fact]
    public void ShapeMismatch_Throws()
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => new L2().Compute<double>(new double[5], [2, 3]));
        Assert.Equal("shape", ex.ParamName);
        Assert.ThrowsAny<ArgumentException>(() => new L2().AddGradient<double>(new double[6], [2, 3], 1.0, new double[5]));
    }

    [Theory]
    [InlineData(-1.0, "-1.0")]
    [InlineData(double.NaN, "nan")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(-0.5, "-0.5")]
    public void NegativeOrNonFiniteFactor_KerasMessage(double value, string shown)
    {
        var e1 = Assert.ThrowsAny<ArgumentException>(() => new L1(value));
        Assert.Equal($"Invalid value for argument l1: expected a non-negative float.Received: l1={shown}", e1.Message);
        Assert.Equal("l1", e1.ParamName);
        var e2 = Assert.ThrowsAny<ArgumentException>(() => new L2(value));
        Assert.Equal($"Invalid value for argument l2: expected a non-negative float.Received: l2={shown}", e2.Message);
        var e3 = Assert.ThrowsAny<ArgumentException>(() => new L1L2(0.0, value));
        Assert.Equal($"Invalid value for argument l2: expected a non-negative float.Received: l2={shown}", e3.Message);
        var e4 = Assert.ThrowsAny<ArgumentException>(() => new OrthogonalRegularizer(value));
        Assert.Equal($"Invalid value for argument factor: expected a non-negative float.Received: factor={shown}", e4.Message);
        Assert.Equal("factor", e4.ParamName);
    }

    [Fact]
    public void ZeroFactorsAreAccepted()
    {
        Assert.Equal(0.0, new L1(0.0).Compute<double>([1.0, -2.0], [2]));
        Assert.Equal(0.0, new L2(0.0).Compute<double>([1.0, -2.0], [2]));
    }
}
