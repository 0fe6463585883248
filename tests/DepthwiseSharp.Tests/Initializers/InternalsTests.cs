using DepthwiseSharp.Initializers;
using DepthwiseSharp.Serialization;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Tests.Initializers;

public class InternalsTests
{
    [Fact]
    public void SplitMix64_matches_the_reference_vector()
    {
        ulong state = 1234567;
        ulong[] expected = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];
        foreach (ulong e in expected)
        {
            Assert.Equal(e, RandomStream.SplitMix64(ref state));
        }
    }

    [Fact]
    public void Xoshiro256StarStar_matches_the_reference_vector()
    {
        var rng = RandomStream.FromState(1, 2, 3, 4);
        ulong[] expected = [11520, 0, 1509978240, 1215971899390074240, 1216172134540287360, 607988272756665600];
        foreach (ulong e in expected)
        {
            Assert.Equal(e, rng.NextUInt64());
        }

        var seeded = new RandomStream(42);
        Assert.Equal(1546998764402558742UL, seeded.NextUInt64());
        Assert.Equal(6990951692964543102UL, seeded.NextUInt64());
        Assert.Equal(12544586762248559009UL, seeded.NextUInt64());
    }

    [Fact]
    public void Deterministic_log_agrees_with_the_platform_log()
    {
        var rng = new RandomStream(17);
        for (int i = 0; i < 200_000; i++)
        {
            double x = rng.NextDouble();
            if (x == 0)
            {
                continue;
            }

            double expected = Math.Log(x);
            Assert.True(Math.Abs(DeterministicMath.Log(x) - expected) <= 4e-16 * Math.Max(1, Math.Abs(expected)), $"log({x:R})");
        }

        foreach (double x in new[] { 1.0, 2.0, 0.5, Math.E, 1e-300, 5e-324, 1e300, double.MaxValue, 1.4142135623730951, 0.7071067811865476 })
        {
            double expected = Math.Log(x);
            Assert.Equal(expected, DeterministicMath.Log(x), Math.Abs(expected) * 1e-15 + 1e-16);
        }

        Assert.Equal(0.0, DeterministicMath.Log(1.0));
        Assert.Equal(double.NegativeInfinity, DeterministicMath.Log(0.0));
        Assert.True(double.IsNaN(DeterministicMath.Log(-1.0)));
    }

    [Theory]
    [InlineData("null", "None")]
    [InlineData("true", "True")]
    [InlineData("false", "False")]
    [InlineData("2", "2")]
    [InlineData("2.0", "2.0")]
    [InlineData("-0.5", "-0.5")]
    [InlineData("1e-5", "1e-05")]
    [InlineData("\"abc\"", "abc")]
    [InlineData("[1, 2.5, null]", "[1, 2.5, None]")]
    [InlineData("{\"a\": 1}", "{\"a\":1}")]
    public void Json_values_are_described_as_python_str(string json, string python)
    {
        Assert.Equal(python, PythonFormat.Describe(System.Text.Json.Nodes.JsonNode.Parse(json)));
    }

    [Fact]
    public void Shapes_are_formatted_as_python_tuples()
    {
        Assert.Equal("()", Shapes.Tuple(ReadOnlySpan<int>.Empty));
        Assert.Equal("(5,)", Shapes.Tuple([5]));
        Assert.Equal("(3, 4, 5)", Shapes.Tuple([3, 4, 5]));
    }

    [Fact]
    public void Householder_qr_gives_q_with_positive_r_diagonal()
    {
        const int m = 7, n = 4;
        var rng = new RandomStream(3);
        var a = new double[m * n];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = rng.NextNormal();
        }

        var q = Orthogonal.OrthonormalFactor((double[])a.Clone(), m, n);

        // R = QᵀA must be upper triangular with a positive diagonal, and QR = A.
        var r = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < m; k++)
                {
                    s += q[(k * n) + i] * a[(k * n) + j];
                }

                r[i, j] = s;
            }
        }

        for (int i = 0; i < n; i++)
        {
            Assert.True(r[i, i] > 0);
            for (int j = 0; j < i; j++)
            {
                Assert.Equal(0.0, r[i, j], 1e-12);
            }
        }

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < n; k++)
                {
                    s += q[(i * n) + k] * r[k, j];
                }

                Assert.Equal(a[(i * n) + j], s, 1e-12);
            }
        }
    }
}
