using DepthwiseSharp.Initializers;
using static DepthwiseSharp.Tests.Initializers.InitializerTestUtil;

namespace DepthwiseSharp.Tests.Initializers;

public class OrthogonalIdentityTests
{
    /// <summary>Max |G - gain^2 I| where G = M Mᵀ (rows) or Mᵀ M (columns) of the (rows x cols) matrix M.</summary>
    private static double GramError(float[] w, int rows, int cols, double gain)
    {
        bool byColumns = rows >= cols;
        int k = byColumns ? cols : rows;
        double worst = 0;
        for (int a = 0; a < k; a++)
        {
            for (int b = 0; b < k; b++)
            {
                double s = 0;
                int len = byColumns ? rows : cols;
                for (int t = 0; t < len; t++)
                {
                    double x = byColumns ? w[(t * cols) + a] : w[(a * cols) + t];
                    double y = byColumns ? w[(t * cols) + b] : w[(b * cols) + t];
                    s += x * y;
                }

                worst = Math.Max(worst, Math.Abs(s - (a == b ? gain * gain : 0)));
            }
        }

        return worst;
    }

    [Theory]
    [InlineData(new[] { 9, 128, 4 }, 1.0)]   // kernel (k, C, M): rows = k*C = 1152, cols = M = 4 -> QᵀQ = I
    [InlineData(new[] { 3, 1, 1 }, 1.0)]
    [InlineData(new[] { 16, 16 }, 1.0)]
    [InlineData(new[] { 4, 10 }, 1.0)]      // rows < cols -> QQᵀ = I
    [InlineData(new[] { 1, 2, 24 }, 1.0)]
    [InlineData(new[] { 40, 7 }, 2.5)]
    [InlineData(new[] { 3, 5, 2 }, 0.5)]
    public void Orthogonal_rows_or_columns_are_orthonormal(int[] shape, double gain)
    {
        var w = FillFloat(new Orthogonal(gain, seed: 77), shape);
        int cols = shape[^1];
        int rows = w.Length / cols;
        Assert.True(GramError(w, rows, cols, gain) < 1e-5 * Math.Max(1, gain * gain));
    }

    [Fact]
    public void Orthogonal_unseeded_and_double()
    {
        var w = FillDouble(new Orthogonal(), 9, 128, 4);
        Assert.True(GramError(w.Select(v => (float)v).ToArray(), 1152, 4, 1) < 1e-5);
        Assert.True(GramError(FillFloat(Initializer.Get("orthogonal"), 32, 32), 32, 32, 1) < 1e-5);
    }

    [Fact]
    public void Orthogonal_on_rank_below_two_is_an_error()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => FillFloat(new Orthogonal(seed: 1), 5));
        Assert.Equal("The tensor to initialize must be at least two-dimensional. Received: shape=(5,) of rank 1.", e.Message);
        Assert.Equal("shape", e.ParamName);
        Assert.ThrowsAny<ArgumentException>(() => FillFloat(new Orthogonal(seed: 1)));
    }

    [Fact]
    public void Orthogonal_empty_shapes_fill_nothing()
    {
        new Orthogonal(seed: 1).Fill<float>(Span<float>.Empty, [0, 4]);
        new Orthogonal(seed: 1).Fill<float>(Span<float>.Empty, [4, 0]);
    }

    [Theory]
    [InlineData(3, 3, 1.0)]
    [InlineData(3, 5, 1.0)]
    [InlineData(5, 3, 2.0)]
    [InlineData(1, 1, -0.5)]
    public void Identity_on_2d(int rows, int cols, double gain)
    {
        var w = FillDouble(new Identity(gain), rows, cols);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                Assert.Equal(i == j ? gain : 0.0, w[(i * cols) + j]);
            }
        }

        Assert.Equal(FillDouble(new Identity(gain), rows, cols).Select(v => (float)v).ToArray(), FillFloat(new Identity(gain), rows, cols));
    }

    [Fact]
    public void Identity_on_other_ranks_is_an_error()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => FillFloat(new Identity(), 3, 4, 5));
        Assert.Equal("Identity matrix initializer can only be used for 2D matrices. Received: shape=(3, 4, 5) of rank 3.", e.Message);
        Assert.Equal("shape", e.ParamName);
        e = Assert.ThrowsAny<ArgumentException>(() => FillFloat(Initializer.Get("identity"), 5));
        Assert.Contains("Received: shape=(5,) of rank 1.", e.Message);
        Assert.ThrowsAny<ArgumentException>(() => FillFloat(new Identity()));
    }

    [Fact]
    public void Destination_length_and_negative_dimensions_are_checked()
    {
        foreach (var init in new Initializer[] { new GlorotUniform(1), new Zeros(), new Constant(2), new Identity(), new Orthogonal(seed: 1), new RandomUniform(seed: 1) })
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => init.Fill<float>(new float[5], [2, 3]));
            Assert.Equal("destination", e.ParamName);
            e = Assert.ThrowsAny<ArgumentException>(() => init.Fill<float>(new float[6], [-2, -3]));
            Assert.Equal("shape", e.ParamName);
        }
    }
}
