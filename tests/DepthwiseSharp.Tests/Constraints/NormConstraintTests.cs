using DepthwiseSharp.Constraints;
using static DepthwiseSharp.Tests.Constraints.ConstraintReference;

namespace DepthwiseSharp.Tests.Constraints;

public class NormConstraintTests
{
    public static TheoryData<int[]> KernelShapes => new() { new[] { 5, 7, 3 }, new[] { 9, 16, 1 } };

    private static readonly bool[] Axis0 = [true, false, false];

    /// <summary>Norm of the (c, m) filter of a (k, C, M) kernel over its k taps.</summary>
    private static double FilterNorm(double[] w, int[] s, int c, int m)
    {
        double sum = 0;
        for (int j = 0; j < s[0]; j++)
        {
            double x = w[(((j * s[1]) + c) * s[2]) + m];
            sum += x * x;
        }

        return Math.Sqrt(sum);
    }

    [Theory]
    [MemberData(nameof(KernelShapes))]
    public void MaxNorm_MatchesReference_AndBoundsEveryFilter(int[] shape)
    {
        int count = shape[0] * shape[1] * shape[2];

        // Scale 1.2: some filters above 2, some below.
        double[] w = Random(count, 5, 1.2);
        double[] expected = MaxNorm(w, shape, Axis0, 2.0);
        double[] actual = (double[])w.Clone();
        new MaxNorm().Apply<double>(actual, shape);
        AssertAllClose(expected, actual, 1e-14, 1e-16);

        bool sawSmall = false;
        bool sawLarge = false;
        for (int c = 0; c < shape[1]; c++)
        {
            for (int m = 0; m < shape[2]; m++)
            {
                double before = FilterNorm(w, shape, c, m);
                double after = FilterNorm(actual, shape, c, m);
                Assert.True(after <= 2.0 + 1e-6, $"filter ({c}, {m}) norm {after}");
                if (before < 2.0)
                {
                    sawSmall = true;
                    for (int j = 0; j < shape[0]; j++)
                    {
                        int i = (((j * shape[1]) + c) * shape[2]) + m;
                        Assert.Equal(w[i], actual[i], 1e-6);
                    }
                }
                else
                {
                    sawLarge = true;
                    Assert.Equal(2.0, after, 1e-6);
                }
            }
        }

        Assert.True(sawSmall && sawLarge);

        float[] wf = Array.ConvertAll(w, x => (float)x);
        double[] expectedF = MaxNorm(Array.ConvertAll(wf, x => (double)x), shape, Axis0, 2.0);
        new MaxNorm().Apply<float>(wf, shape);
        AssertAllClose(expectedF, Array.ConvertAll(wf, x => (double)x), 1e-6, 1e-7);
    }

    [Theory]
    [MemberData(nameof(KernelShapes))]
    public void UnitNorm_GivesUnitFilters(int[] shape)
    {
        int count = shape[0] * shape[1] * shape[2];
        double[] w = Random(count, 6, 3.0);
        double[] actual = (double[])w.Clone();
        new UnitNorm().Apply<double>(actual, shape);
        AssertAllClose(UnitNorm(w, shape, Axis0), actual, 1e-14, 1e-16);
        for (int c = 0; c < shape[1]; c++)
        {
            for (int m = 0; m < shape[2]; m++)
            {
                Assert.Equal(1.0, FilterNorm(actual, shape, c, m), 1e-6);
            }
        }

        float[] wf = Array.ConvertAll(w, x => (float)x);
        double[] expectedF = UnitNorm(Array.ConvertAll(wf, x => (double)x), shape, Axis0);
        new UnitNorm(0).Apply<float>(wf, shape);
        AssertAllClose(expectedF, Array.ConvertAll(wf, x => (double)x), 1e-6, 1e-7);
    }

    [Theory]
    [MemberData(nameof(KernelShapes))]
    public void MinMaxNorm_Rate1AndHalf(int[] shape)
    {
        int count = shape[0] * shape[1] * shape[2];
        double[] w = Random(count, 7, 0.6);
        foreach (double rate in new[] { 1.0, 0.5 })
        {
            double[] actual = (double[])w.Clone();
            new MinMaxNorm(0.5, 1.0, rate).Apply<double>(actual, shape);
            AssertAllClose(MinMaxNorm(w, shape, Axis0, 0.5, 1.0, rate), actual, 1e-14, 1e-16);
            if (rate == 1.0)
            {
                for (int c = 0; c < shape[1]; c++)
                {
                    for (int m = 0; m < shape[2]; m++)
                    {
                        double n = FilterNorm(actual, shape, c, m);
                        Assert.InRange(n, 0.5 - 1e-6, 1.0 + 1e-6);
                    }
                }
            }

            float[] wf = Array.ConvertAll(w, x => (float)x);
            double[] expectedF = MinMaxNorm(Array.ConvertAll(wf, x => (double)x), shape, Axis0, 0.5, 1.0, rate);
            new MinMaxNorm(0.5, 1.0, rate).Apply<float>(wf, shape);
            AssertAllClose(expectedF, Array.ConvertAll(wf, x => (double)x), 1e-6, 1e-7);
        }
    }

    [Fact]
    public void MinMaxNorm_DefaultIsUnitBall()
    {
        int[] shape = [5, 7, 3];
        double[] w = Random(105, 8, 1.0);
        double[] actual = (double[])w.Clone();
        new MinMaxNorm().Apply<double>(actual, shape);
        AssertAllClose(MinMaxNorm(w, shape, Axis0, 0.0, 1.0, 1.0), actual, 1e-14, 1e-16);
    }

    public static TheoryData<string, bool[]> AxisCases => new()
    {
        { "1", new[] { false, true, false } },
        { "-1", new[] { false, false, true } },
        { "2", new[] { false, false, true } },
        { "[0, 1]", new[] { true, true, false } },
        { "[-1, 0]", new[] { true, false, true } },
        { "[1]", new[] { false, true, false } },
        { "[]", new[] { false, false, false } },
        { "None", new[] { true, true, true } },
    };

    private static IReadOnlyList<int>? ParseAxisList(string text) =>
        text == "None" ? null : text.Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => int.Parse(t.Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    [Theory]
    [MemberData(nameof(AxisCases))]
    public void Axis_IntNegativeListAndNone(string axisText, bool[] reduce)
    {
        int[] shape = [5, 7, 3];
        double[] w = Random(105, 9, 1.0);
        bool isInt = !axisText.StartsWith('[') && axisText != "None";
        Constraint[] constraints = isInt
            ? [new MaxNorm(1.5, int.Parse(axisText, System.Globalization.CultureInfo.InvariantCulture)), new UnitNorm(int.Parse(axisText, System.Globalization.CultureInfo.InvariantCulture)), new MinMaxNorm(0.2, 0.9, 0.5, int.Parse(axisText, System.Globalization.CultureInfo.InvariantCulture))]
            : [new MaxNorm(1.5, ParseAxisList(axisText)), new UnitNorm(ParseAxisList(axisText)), new MinMaxNorm(0.2, 0.9, 0.5, ParseAxisList(axisText))];
        double[][] expected = [MaxNorm(w, shape, reduce, 1.5), UnitNorm(w, shape, reduce), MinMaxNorm(w, shape, reduce, 0.2, 0.9, 0.5)];
        for (int k = 0; k < constraints.Length; k++)
        {
            double[] actual = (double[])w.Clone();
            constraints[k].Apply<double>(actual, shape);
            AssertAllClose(expected[k], actual, 1e-14, 1e-16);
        }
    }

    [Fact]
    public void OtherRanks_Work()
    {
        // Rank 1 (a bias): axis 0 is the whole vector.
        double[] b = [3.0, 4.0];
        new MaxNorm(1.0).Apply<double>(b, [2]);
        Assert.Equal(0.6, b[0], 1e-6);
        Assert.Equal(0.8, b[1], 1e-6);

        // Rank 2, axis 1: each row.
        double[] m = [3.0, 4.0, 0.0, 0.5];
        new UnitNorm(1).Apply<double>(m, [2, 2]);
        Assert.Equal(0.6, m[0], 1e-6);
        Assert.Equal(1.0, m[3], 1e-6);

        // Rank 4, axis [0, 1, 2] (Keras's Conv2D example).
        double[] w4 = Random(2 * 3 * 4 * 5, 10, 1.0);
        double[] copy = (double[])w4.Clone();
        new UnitNorm([0, 1, 2]).Apply<double>(w4, [2, 3, 4, 5]);
        for (int o = 0; o < 5; o++)
        {
            double s = 0;
            for (int i = o; i < w4.Length; i += 5)
            {
                s += w4[i] * w4[i];
            }

            Assert.Equal(1.0, Math.Sqrt(s), 1e-6);
        }

        Assert.NotEqual(copy[0], w4[0]);
    }

    [Fact]
    public void ZeroFilter_StaysZero()
    {
        double[] w = new double[12];
        new UnitNorm().Apply<double>(w, [3, 4]);
        new MaxNorm().Apply<double>(w, [3, 4]);
        new MinMaxNorm(0.5, 1.0).Apply<double>(w, [3, 4]);
        Assert.All(w, x => Assert.Equal(0.0, x));
    }

    [Theory]
    [InlineData(3, "3")]
    [InlineData(-4, "-4")]
    public void AxisOutOfRange_NamesAxisRankAndShape(int axis, string shown)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => new MaxNorm(2.0, axis).Apply<float>(new float[105], [5, 7, 3]));
        Assert.Equal("axis", ex.ParamName);
        Assert.Contains($"axis={shown}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("rank 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(5, 7, 3)", ex.Message, StringComparison.Ordinal);
        Assert.ThrowsAny<ArgumentException>(() => new UnitNorm([0, 3]).Apply<double>(new double[105], [5, 7, 3]));
        Assert.ThrowsAny<ArgumentException>(() => new UnitNorm([0, -3]).Apply<double>(new double[105], [5, 7, 3]));
    }

    [Fact]
    public void ShapeMismatch_Throws()
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => new UnitNorm().Apply<double>(new double[10], [5, 7, 3]));
        Assert.Equal("shape", ex.ParamName);
        Assert.ThrowsAny<ArgumentException>(() => new NonNeg().Apply<double>(new double[10], [5, 3]));
    }

    [Fact]
    public void NonNeg_ClipsNegatives()
    {
        double[] w = Random(105, 11, 1.0);
        double[] expected = w.Select(x => Math.Max(x, 0.0)).ToArray();
        new NonNeg().Apply<double>(w, [5, 7, 3]);
        Assert.Equal(expected, w);
        float[] f = [-1f, 0f, 2.5f, -0.001f, float.NaN];
        new NonNeg().Apply<float>(f, [5]);
        Assert.Equal(0f, f[0]);
        Assert.Equal(0f, f[1]);
        Assert.Equal(2.5f, f[2]);
        Assert.Equal(0f, f[3]);
        Assert.True(float.IsNaN(f[4]));
    }

    [Fact]
    public void InvalidArguments_NameKerasArgumentAndValue()
    {
        var e1 = Assert.ThrowsAny<ArgumentException>(() => new MaxNorm(-1.0));
        Assert.Equal("max_value", e1.ParamName);
        Assert.Equal("Invalid value for argument `max_value`: expected a finite number >= 0. Received: max_value=-1.0", e1.Message);
        var e2 = Assert.ThrowsAny<ArgumentException>(() => new MinMaxNorm(0.5, 0.2));
        Assert.Equal("max_value", e2.ParamName);
        Assert.Equal("Invalid value for argument `max_value`: expected a finite number >= min_value (0.5). Received: max_value=0.2", e2.Message);
        var e3 = Assert.ThrowsAny<ArgumentException>(() => new MinMaxNorm(0.0, 1.0, 1.5));
        Assert.Equal("rate", e3.ParamName);
        Assert.Contains("rate=1.5", e3.Message, StringComparison.Ordinal);
        var e4 = Assert.ThrowsAny<ArgumentException>(() => new MinMaxNorm(-0.1));
        Assert.Equal("min_value", e4.ParamName);
        Assert.ThrowsAny<ArgumentException>(() => new MaxNorm(double.NaN));
        Assert.ThrowsAny<ArgumentException>(() => new MinMaxNorm(0, double.PositiveInfinity));
        var e5 = Assert.ThrowsAny<ArgumentException>(() => new UnitNorm([0, 0]));
        Assert.Equal("axis", e5.ParamName);
        Assert.Contains("axis=[0, 0]", e5.Message, StringComparison.Ordinal);
    }
}
