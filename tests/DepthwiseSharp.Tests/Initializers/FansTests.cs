using DepthwiseSharp.Initializers;

namespace DepthwiseSharp.Tests.Initializers;

public class FansTests
{
    [Theory]
    [InlineData(new int[0], 1, 1)]
    [InlineData(new[] { 7 }, 7, 7)]
    [InlineData(new[] { 5, 3 }, 5, 3)]
    [InlineData(new[] { 9, 128, 4 }, 9 * 128, 9 * 4)] // DepthwiseConv1D kernel (k, C, M): fan_in = k*C, fan_out = k*M
    [InlineData(new[] { 3, 1, 1 }, 3, 3)]
    [InlineData(new[] { 2, 3, 4, 5 }, 2 * 3 * 4, 2 * 3 * 5)]
    [InlineData(new[] { 0, 4 }, 0, 4)]
    public void Fans_follow_the_spec(int[] shape, long fanIn, long fanOut)
    {
        Assert.Equal((fanIn, fanOut), Initializer.ComputeFans(shape));
    }

    [Fact]
    public void Explicit_axes_are_used_only_when_both_are_given()
    {
        int[] shape = [2, 3, 4, 5];
        Assert.Equal((2L * 5, 3L * 4), Initializer.ComputeFans(shape, [0, -1], [1, 2]));
        Assert.Equal((24L, 30L), Initializer.ComputeFans(shape, [0], null));
        Assert.Equal((24L, 30L), Initializer.ComputeFans(shape, null, [0]));
        var e = Assert.ThrowsAny<ArgumentException>(() => Initializer.ComputeFans(shape, [4], [0]));
        Assert.Equal("input_axes", e.ParamName);
    }

    [Fact]
    public void Variance_scaling_uses_max_one_of_the_fan()
    {
        // fan_in = 0 (shape (0, 4)) is clamped to 1; an empty weight still fills fine.
        var init = new VarianceScaling(1.0, VarianceScalingMode.FanIn, VarianceScalingDistribution.Uniform, seed: 1);
        init.Fill<double>(Span<double>.Empty, [0, 4]);

        // rank 0: a single value, n = 1, so the uniform limit is sqrt(3).
        for (int seed = 0; seed < 50; seed++)
        {
            var v = InitializerTestUtil.FillDouble(new VarianceScaling(1.0, VarianceScalingMode.FanIn, VarianceScalingDistribution.Uniform, seed), []);
            Assert.Single(v);
            Assert.InRange(v[0], -Math.Sqrt(3), Math.Sqrt(3));
        }
    }
}
