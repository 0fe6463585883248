using DepthwiseSharp.Regularizers;
using static DepthwiseSharp.Tests.Regularizers.RegularizerTestData;

namespace DepthwiseSharp.Tests.Regularizers;

public class OrthogonalRegularizerTests
{
    /// <summary>Independent float64 reference: normalize the vectors, all pairwise |cos|, mean over ordered pairs i != j, times factor.</summary>
    private static double Reference(double[] x, int rows, int cols, double factor, bool byRows)
    {
        int n = byRows ? rows : cols;
        int d = byRows ? cols : rows;
        double At(int v, int k) => byRows ? x[(v * cols) + k] : x[(k * cols) + v];
        var norms = new double[n];
        for (int v = 0; v < n; v++)
        {
            double s = 0;
            for (int k = 0; k < d; k++)
            {
                s += At(v, k) * At(v, k);
            }

            norms[v] = Math.Max(Math.Sqrt(s), 1e-7);
        }

        double total = 0;
        int count = 0;
        for (int a = 0; a < n; a++)
        {
            for (int b = 0; b < n; b++)
            {
                if (a == b)
                {
                    continue;
                }

                double dot = 0;
                for (int k = 0; k < d; k++)
                {
                    dot += At(a, k) / norms[a] * At(b, k) / norms[b];
                }

                total += Math.Abs(dot);
                count++;
            }
        }

        return factor * total / count;
    }

    [Fact]
    public void Rank3_ThrowsKerasMessage()
    {
        var reg = new OrthogonalRegularizer();
        var ex = Assert.ThrowsAny<ArgumentException>(() => reg.Compute<float>(new float[24], [3, 4, 2]));
        Assert.Equal("Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=(3, 4, 2)", ex.Message);
        var ex2 = Assert.ThrowsAny<ArgumentException>(() => reg.AddGradient<double>(new double[105], [5, 7, 3], 1.0, new double[105]));
        Assert.Equal("Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=(5, 7, 3)", ex2.Message);
        var ex3 = Assert.ThrowsAny<ArgumentException>(() => reg.Compute<double>(new double[5], [5]));
        Assert.Equal("Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=(5,)", ex3.Message);
    }

    [Fact]
    public void HandComputed_Rows()
    {
        // rows (1,0), (1,1)/sqrt2, (0,1): |cos| = 1/sqrt2, 0, 1/sqrt2 -> sum over ordered pairs 2*sqrt2, pairs 3
        // penalty = 0.01 * 0.5 * 2*sqrt2 / 3 = 0.01 * sqrt2 / 3
        double[] x = [1, 0, 1, 1, 0, 2];
        double expected = 0.01 * Math.Sqrt(2.0) / 3.0;
        AssertClose(expected, new OrthogonalRegularizer().Compute<double>(x, [3, 2]), 1e-15);
        AssertClose(expected, new OrthogonalRegularizer(0.01, "rows").Compute<float>(Array.ConvertAll(x, v => (float)v), [3, 2]), 1e-6);
    }

    [Fact]
    public void HandComputed_Columns()
    {
        // columns (1,1,0)/sqrt2 and (0,1,2)/sqrt5: cos = 1/sqrt10, one pair -> 0.01 * 0.5 * 2/sqrt10 / 1
        double[] x = [1, 0, 1, 1, 0, 2];
        AssertClose(0.01 / Math.Sqrt(10.0), new OrthogonalRegularizer(0.01, "columns").Compute<double>(x, [3, 2]), 1e-15);
    }

    [Fact]
    public void OrthogonalRowsGiveZero()
    {
        double[] x = [3, 0, 0, 0, -2, 0, 0, 0, 5];
        Assert.Equal(0.0, new OrthogonalRegularizer(1.0).Compute<double>(x, [3, 3]));
    }

    [Theory]
    [InlineData(6, 4, "rows")]
    [InlineData(6, 4, "columns")]
    [InlineData(3, 7, "rows")]
    [InlineData(9, 16, "columns")]
    public void Random_MatchesFloat64Reference(int rows, int cols, string mode)
    {
        double[] x = RandomDoubles(rows * cols, 31 + rows);
        var reg = new OrthogonalRegularizer(0.2, mode);
        double expected = Reference(x, rows, cols, 0.2, mode == "rows");
        AssertClose(expected, reg.Compute<double>(x, [rows, cols]), 1e-13);
        float[] xf = Array.ConvertAll(x, v => (float)v);
        AssertClose(Reference(Array.ConvertAll(xf, v => (double)v), rows, cols, 0.2, mode == "rows"), reg.Compute<float>(xf, [rows, cols]), 1e-6);
    }

    [Theory]
    [InlineData(6, 4, "rows")]
    [InlineData(6, 4, "columns")]
    [InlineData(4, 9, "rows")]
    [InlineData(4, 9, "columns")]
    public void Gradient_MatchesCentralDifferences(int rows, int cols, string mode)
    {
        double[] x = RandomDoubles(rows * cols, 41 + cols);
        var reg = new OrthogonalRegularizer(0.3, mode);
        int[] shape = [rows, cols];
        var g = new double[x.Length];
        reg.AddGradient<double>(x, shape, 1.0, g);
        const double h = 1e-6;
        for (int i = 0; i < x.Length; i++)
        {
            double[] p = (double[])x.Clone();
            double[] m = (double[])x.Clone();
            p[i] += h;
            m[i] -= h;
            double fd = (reg.Compute<double>(p, shape) - reg.Compute<double>(m, shape)) / (2 * h);
            AssertClose(fd, g[i], 1e-5, 1e-9);
        }

        // Scale and accumulation.
        var g2 = Enumerable.Repeat(1.0, x.Length).ToArray();
        reg.AddGradient<double>(x, shape, 0.5, g2);
        for (int i = 0; i < x.Length; i++)
        {
            AssertClose(1.0 + (0.5 * g[i]), g2[i], 1e-14, 1e-15);
        }
    }

    [Fact]
    public void SingleVector_IsNaN_AsInKeras()
    {
        Assert.True(double.IsNaN(new OrthogonalRegularizer().Compute<double>([1.0, 2.0], [1, 2])));
        Assert.True(double.IsNaN(new OrthogonalRegularizer(0.01, "columns").Compute<double>([1.0, 2.0], [2, 1])));
    }

    [Fact]
    public void ZeroRow_UsesEpsilonClamp()
    {
        // A zero row normalizes to zero and contributes |0| to every pair.
        double[] x = [0, 0, 1, 0, 0, 1];
        Assert.Equal(0.0, new OrthogonalRegularizer(1.0).Compute<double>(x, [3, 2]));
    }

    [Theory]
    [InlineData("invalid_mode")]
    [InlineData("Rows")]
    public void InvalidMode_KerasMessage(string mode)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => new OrthogonalRegularizer(0.01, mode));
        Assert.Equal($"Invalid value for argument `mode`. Expected one of {{\"rows\", \"columns\"}}. Received: mode={mode}", ex.Message);
        Assert.Equal("mode", ex.ParamName);
    }
}
