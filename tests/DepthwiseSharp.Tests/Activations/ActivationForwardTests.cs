using System.Numerics;
using DepthwiseSharp.Activations;
using static DepthwiseSharp.Tests.Activations.ActivationTestData;

namespace DepthwiseSharp.Tests.Activations;

public class ActivationForwardTests
{
    [Theory]
    [MemberData(nameof(ElementwiseNames), MemberType = typeof(ActivationTestData))]
    public void Elementwise_double_matches_reference(string name) => ElementwiseMatchesReference<double>(name);

    [Theory]
    [MemberData(nameof(ElementwiseNames), MemberType = typeof(ActivationTestData))]
    public void Elementwise_float_matches_reference(string name) => ElementwiseMatchesReference<float>(name);

    [Theory]
    [MemberData(nameof(RowNames), MemberType = typeof(ActivationTestData))]
    public void Row_double_matches_reference(string name) => RowMatchesReference<double>(name);

    [Theory]
    [MemberData(nameof(RowNames), MemberType = typeof(ActivationTestData))]
    public void Row_float_matches_reference(string name) => RowMatchesReference<float>(name);

    [Theory]
    [MemberData(nameof(ElementwiseNames), MemberType = typeof(ActivationTestData))]
    public void Elementwise_ignores_how_the_data_is_split_into_rows(string name)
    {
        var act = Activation.Get(name);
        var z = Values(60, 11);
        var flat = Forward(act, z, 60);
        foreach (int lastAxis in new[] { 1, 2, 3, 5, 12, 20 })
        {
            Assert.Equal(flat, Forward(act, z, lastAxis));
        }
    }

    [Theory]
    [MemberData(nameof(AllNames), MemberType = typeof(ActivationTestData))]
    public void Double_in_place_equals_out_of_place(string name) => InPlaceEqualsOutOfPlace<double>(name);

    [Theory]
    [MemberData(nameof(AllNames), MemberType = typeof(ActivationTestData))]
    public void Float_in_place_equals_out_of_place(string name) => InPlaceEqualsOutOfPlace<float>(name);

    [Fact]
    public void Softmax_rows_sum_to_one_and_survive_large_logits()
    {
        double[] z = [1000, 1001, 1002, -1000, 0, 1000];
        var y = Forward(Activation.Softmax, z, 3);
        Assert.Equal(1.0, y[0] + y[1] + y[2], 14);
        Assert.Equal(1.0, y[3] + y[4] + y[5], 14);
        Assert.All(y, v => Assert.True(double.IsFinite(v)));
        var ls = Forward(Activation.LogSoftmax, z, 3);
        Assert.Equal(Math.Log(y[0]), ls[0], 12);
        Assert.Equal(-2000.0, ls[3], 9);
    }

    [Fact]
    public void Sparsemax_is_a_sparse_distribution()
    {
        double[] z = [2.0, 1.0, 0.1, -1.0, 0.5, 0.5, 0.5, 0.5];
        var y = Forward(Activation.Sparsemax, z, 4);
        Assert.Equal([1.0, 0.0, 0.0, 0.0], y[..4]);
        Assert.Equal([0.25, 0.25, 0.25, 0.25], y[4..]);
    }

    [Fact]
    public void Glu_halves_the_last_axis()
    {
        double[] z = [1, 2, 0, 0, 3, 4, 100, -100];
        var y = Forward(Activation.Glu, z, 4);
        Assert.Equal(4, y.Length);
        Assert.Equal([0.5, 1.0, 3.0, 0.0], y.Select(v => Math.Round(v, 12)).ToArray());
    }

    [Theory]
    [InlineData("hard_sigmoid", -3.0, 0.0)]
    [InlineData("hard_sigmoid", 1.5, 0.75)]
    [InlineData("hard_sigmoid", 3.0, 1.0)]
    [InlineData("hard_silu", 1.5, 1.125)]
    [InlineData("relu6", 7.0, 6.0)]
    [InlineData("leaky_relu", -1.0, -0.2)]
    [InlineData("squareplus", 0.0, 1.0)]
    [InlineData("soft_shrink", 0.75, 0.25)]
    [InlineData("hard_shrink", -0.75, -0.75)]
    [InlineData("sparse_plus", 0.0, 0.25)]
    [InlineData("sparse_sigmoid", 0.0, 0.5)]
    [InlineData("celu", -1e-20, -1e-20)]
    [InlineData("elu", -1e-20, -1e-20)]
    [InlineData("tanh", 1e-20, 1e-20)]
    [InlineData("softplus", -50.0, 1.9287498479639178e-22)]
    [InlineData("log_sigmoid", 50.0, -1.9287498479639178e-22)]
    public void Known_values(string name, double x, double expected)
    {
        var y = Forward(Activation.Get(name), [x], 1);
        Assert.True(Math.Abs(y[0] - expected) <= 1e-15 * Math.Max(Math.Abs(expected), 1e-300), $"{name}({x}) = {y[0]:R}, expected {expected:R}");
    }

    [Theory]
    [MemberData(nameof(ElementwiseNames), MemberType = typeof(ActivationTestData))]
    public void Nan_propagates_except_where_keras_selects_a_constant(string name)
    {
        // Keras writes soft_shrink and hard_shrink with `where`, which maps NaN to the constant branch.
        var y = Forward(Activation.Get(name), [double.NaN, double.NaN, double.NaN, double.NaN, double.NaN], 1);
        if (name is "soft_shrink" or "hard_shrink")
        {
            Assert.All(y, v => Assert.Equal(0.0, v));
        }
        else
        {
            Assert.All(y, v => Assert.True(double.IsNaN(v), $"{name}(NaN) = {v}"));
        }
    }

    private static void ElementwiseMatchesReference<T>(string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var act = Activation.Get(name);
        var f = ActivationReference.Elementwise(name);
        foreach (int n in Lengths)
        {
            var z = Cast<T>(Values(n, 1000 + n));
            var expected = ToDouble<T>(z).Select(f).ToArray();
            AssertClose<T>(Forward(act, z, 1), expected, Tolerance<T>(), $"{name}<{typeof(T).Name}> n={n}");
        }
    }

    private static void RowMatchesReference<T>(string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var act = Activation.Get(name);
        foreach (int n in Lengths.Where(n => n > 0))
        {
            int lastAxis = name == "glu" ? 2 * n : n;
            int rows = n <= 70 ? 3 : 2;
            var z = Cast<T>(Values(rows * lastAxis, 2000 + n));
            var zd = ToDouble<T>(z);
            var expected = ActivationReference.Apply(name, zd, lastAxis);

            // sparsemax outputs z - tau: in float (as in Keras float32) that difference carries the rounding of
            // tau, about eps * max|z|, however small the output is.
            double tol = Tolerance<T>() * (name == "sparsemax" && typeof(T) == typeof(float) ? Math.Max(1, zd.Max(Math.Abs)) : 1);
            AssertClose<T>(Forward(act, z, lastAxis), expected, tol, $"{name}<{typeof(T).Name}> L={lastAxis}");
        }

        // An empty input is fine with any last-axis length.
        Assert.Empty(Forward(act, Array.Empty<T>(), 0));
    }

    private static void InPlaceEqualsOutOfPlace<T>(string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var act = Activation.Get(name);
        foreach (int n in new[] { 1, 2, 7, 16, 33, 64, 130, 1000 })
        {
            int lastAxis = name == "glu" ? 2 * n : n;
            foreach (int rows in new[] { 1, 3 })
            {
                var z = Cast<T>(Values(rows * lastAxis, 3000 + n));
                var expected = Forward(act, z, lastAxis);
                var buffer = (T[])z.Clone();
                act.Forward<T>(buffer, buffer.AsSpan(0, expected.Length), lastAxis);
                Assert.Equal(expected, buffer[..expected.Length]);
            }
        }
    }
}
