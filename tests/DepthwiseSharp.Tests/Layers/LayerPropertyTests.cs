using System.Numerics.Tensors;
using CsCheck;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Tests.Layers;

/// <summary>Properties of the convolution that hold for any shape (CsCheck): the algebra of SPEC section 1.</summary>
public class LayerPropertyTests
{
    private sealed record Shape(int N, int L, int C, int M, int K, int S, int D, Padding Padding, DataFormat Format);

    private static readonly Gen<Shape> Shapes =
        from n in Gen.Int[1, 3]
        from c in Gen.Int[1, 20]
        from m in Gen.Int[1, 3]
        from k in Gen.Int[1, 7]
        from s in Gen.Int[1, 3]
        from d in Gen.Int[1, 3]
        from padding in Gen.Bool.Select(b => b ? Padding.Valid : Padding.Same)
        from format in Gen.Bool.Select(b => b ? DataFormat.ChannelsLast : DataFormat.ChannelsFirst)
        from extra in Gen.Int[0, 12]
        let dd = s > 1 ? 1 : d
        select new Shape(n, (k - 1) * dd + 1 + extra, c, m, k, s, dd, padding, format);

    private static DepthwiseConv1D Layer(Shape s, bool bias, int seed) =>
        new(s.K, s.S, s.Padding, s.M, s.Format, s.D, useBias: bias,
            depthwiseInitializer: DepthwiseSharp.Initializers.Initializer.FromConfig(System.Text.Json.Nodes.JsonNode.Parse(
                "{\"class_name\": \"RandomNormal\", \"config\": {\"seed\": " + seed + ", \"mean\": 0.0, \"stddev\": 1.0}}")!),
            biasInitializer: DepthwiseSharp.Initializers.Initializer.Get("ones"));

    private static Tensor<double> Input(Shape s, Random rng)
    {
        int[] shape = s.Format == DataFormat.ChannelsLast ? [s.N, s.L, s.C] : [s.N, s.C, s.L];
        var data = Enumerable.Range(0, s.N * s.L * s.C).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        return Tensor.Create(data, shape.Select(v => (nint)v).ToArray());
    }

    [Fact]
    public void Linear_in_the_input_when_the_activation_is_linear()
    {
        Shapes.Sample(s =>
        {
            var rng = new Random(s.GetHashCode());
            var layer = new DepthwiseConv1D(s.K, s.S, s.Padding, s.M, s.Format, s.D, useBias: false, dtype: DType.Float64);
            var x1 = Input(s, rng);
            var x2 = Input(s, rng);
            const double a = 1.5, b = -0.25;
            var combo = Tensor.Create(TestData.Flat(x1).Zip(TestData.Flat(x2), (p, q) => a * p + b * q).ToArray(), x1.Lengths);
            var y1 = TestData.Flat(layer.Call(x1));
            var y2 = TestData.Flat(layer.Call(x2));
            var y = TestData.Flat(layer.Call(combo));
            for (int i = 0; i < y.Length; i++)
            {
                Assert.Equal(a * y1[i] + b * y2[i], y[i], 1e-12);
            }
        }, iter: 60);
    }

    [Fact]
    public void Channels_are_independent()
    {
        Shapes.Where(s => s.C > 1).Sample(s =>
        {
            var rng = new Random(s.GetHashCode());
            var layer = new DepthwiseConv1D(s.K, s.S, s.Padding, s.M, s.Format, s.D, dtype: DType.Float64);
            var x = Input(s, rng);
            var before = TestData.Flat(layer.Call(x));
            int changed = rng.Next(s.C);
            var data = TestData.Flat(x);
            for (int n = 0; n < s.N; n++)
            {
                for (int t = 0; t < s.L; t++)
                {
                    int i = s.Format == DataFormat.ChannelsLast ? (n * s.L + t) * s.C + changed : (n * s.C + changed) * s.L + t;
                    data[i] += 1 + rng.NextDouble();
                }
            }

            var after = TestData.Flat(layer.Call(Tensor.Create(data, x.Lengths)));
            var outShape = layer.ComputeOutputShape([s.N, s.Format == DataFormat.ChannelsLast ? s.L : s.C, s.Format == DataFormat.ChannelsLast ? s.C : s.L]);
            int lout = (s.Format == DataFormat.ChannelsLast ? outShape[1] : outShape[2])!.Value;
            int cm = s.C * s.M;
            for (int i = 0; i < before.Length; i++)
            {
                int o = s.Format == DataFormat.ChannelsLast ? i % cm : i / lout % cm;
                if (o / s.M != changed)
                {
                    Assert.Equal(before[i], after[i]);
                }
            }
        }, iter: 60);
    }

    [Fact]
    public void Identity_kernel_returns_the_input()
    {
        Shapes.Sample(s =>
        {
            var rng = new Random(s.GetHashCode());
            var layer = new DepthwiseConv1D(1, 1, Padding.Valid, 1, s.Format, 1, useBias: false);
            int[] shape = s.Format == DataFormat.ChannelsLast ? [s.N, s.L, s.C] : [s.N, s.C, s.L];
            var data = Enumerable.Range(0, s.N * s.L * s.C).Select(_ => (float)(rng.NextDouble() * 200 - 100)).ToArray();
            layer.SetWeights(Tensor.Create(Enumerable.Repeat(1f, s.C).ToArray(), [1, s.C, 1]));
            var y = layer.Call(Tensor.Create(data, shape.Select(v => (nint)v).ToArray()));
            Assert.Equal(shape, TestData.Shape(y));
            Assert.Equal(data, TestData.Flat(y));
        }, iter: 40);
    }

    [Fact]
    public void Channels_first_equals_channels_last_transposed()
    {
        Shapes.Sample(s =>
        {
            var rng = new Random(s.GetHashCode());
            var last = new DepthwiseConv1D(s.K, s.S, s.Padding, s.M, DataFormat.ChannelsLast, s.D, DepthwiseSharp.Activations.Activation.Get("relu"));
            var first = new DepthwiseConv1D(s.K, s.S, s.Padding, s.M, DataFormat.ChannelsFirst, s.D, DepthwiseSharp.Activations.Activation.Get("relu"));
            last.Build([null, s.L, s.C]);
            first.Build([null, s.C, s.L]);
            var weights = last.GetWeights<float>();
            first.SetWeights(weights);
            var xl = Enumerable.Range(0, s.N * s.L * s.C).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var xf = Transpose(xl, s.N, s.L, s.C);
            var yl = last.Call(Tensor.Create(xl, [s.N, s.L, s.C]));
            var yf = first.Call(Tensor.Create(xf, [s.N, s.C, s.L]));
            var shapeL = TestData.Shape(yl);
            Assert.Equal([shapeL[0], shapeL[2], shapeL[1]], TestData.Shape(yf));
            Assert.Equal(Transpose(TestData.Flat(yl), shapeL[0], shapeL[1], shapeL[2]), TestData.Flat(yf));
        }, iter: 60);
    }

    private static float[] Transpose(float[] a, int n, int rows, int cols)
    {
        var r = new float[a.Length];
        for (int b = 0; b < n; b++)
        {
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < cols; j++)
                {
                    r[(b * cols + j) * rows + i] = a[(b * rows + i) * cols + j];
                }
            }
        }

        return r;
    }
}
