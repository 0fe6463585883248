using System.Numerics;
using System.Numerics.Tensors;
using DepthwiseSharp.Activations;
using DepthwiseSharp.Kernels;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Tests.Activations;
using static DepthwiseSharp.Tests.Activations.ActivationTestData;

namespace DepthwiseSharp.Tests.Kernels;

/// <summary>
/// One <see cref="KernelVariant"/> dispatch for every vectorized loop: <see cref="KernelVariants.Force"/> makes the
/// activation loops, <see cref="VectorOps"/> and the layer's kernels (fused epilogue included, on worker threads too) run
/// at each width this machine supports, in one process. Each width is checked against an independent float64 reference
/// within a tolerance, and against the scalar variant bit for bit wherever the code promises width-independent results.
/// </summary>
public class ForcedVariantTests
{
    /// <summary>Elementwise activations made of +, -, *, /, sqrt, min, max and selects: the same bits at every width.</summary>
    private static readonly string[] Exact =
    [
        "relu", "relu6", "leaky_relu", "softsign", "squareplus", "soft_shrink", "hard_shrink", "sparse_plus", "sparse_sigmoid",
        "hard_sigmoid", "hard_silu", "hard_tanh", "linear",
    ];

    // Row lengths with a remainder at every width (16 float lanes at 512 bits), and one long row.
    private static readonly int[] RowLengths = [1, 5, 33, 1031];

    public static TheoryData<string> AllNames => ActivationTestData.AllNames;

    [Fact]
    public void Force_sets_this_threads_variant_until_disposed_and_nests()
    {
        var best = KernelVariants.Best;
        Assert.Equal(best, KernelVariants.Current);
        using (KernelVariants.Force(KernelVariant.Scalar))
        {
            Assert.Equal(KernelVariant.Scalar, KernelVariants.Current);
            var elsewhere = (KernelVariant)(-1);
            var thread = new Thread(() => elsewhere = KernelVariants.Current);
            thread.Start();
            thread.Join();
            Assert.Equal(best, elsewhere);
            using (KernelVariants.Force(best))
            {
                Assert.Equal(best, KernelVariants.Current);
            }

            Assert.Equal(KernelVariant.Scalar, KernelVariants.Current);
            using (default(KernelVariants.Scope))
            {
            }

            Assert.Equal(KernelVariant.Scalar, KernelVariants.Current);
        }

        Assert.Equal(best, KernelVariants.Current);
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelVariants.Force((KernelVariant)64));
        if (best != KernelVariant.Vector512)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => KernelVariants.Force(KernelVariant.Vector512));
        }
    }

    [Fact]
    public void Of_maps_each_vector_type_back_to_its_variant()
    {
        Assert.Equal(KernelVariant.Scalar, KernelVariants.Of<S<float>>());
        Assert.Equal(KernelVariant.Scalar, KernelVariants.Of<S<double>>());
        Assert.Equal(KernelVariant.Vector128, KernelVariants.Of<V128<double>>());
        Assert.Equal(KernelVariant.Vector256, KernelVariants.Of<V256<float>>());
        Assert.Equal(KernelVariant.Vector512, KernelVariants.Of<V512<float>>());
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Activation_loops_at_every_width_match_the_float64_reference(string name)
    {
        Check<float>(name);
        Check<double>(name);
    }

    private static void Check<T>(string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var act = Activation.Get(name);
        bool row = ActivationReference.RowNames.Contains(name);
        foreach (int n in RowLengths)
        {
            int lastAxis = name == "glu" ? 2 * n : n;
            var z = Cast<T>(AwayFromKinks(2 * lastAxis, 20_000 + n, -8, 8));
            var zd = ToDouble<T>(z);
            var dy = Cast<T>(Values(z.Length / lastAxis * act.OutputLastAxisLength(lastAxis), 21_000 + n, specials: false));
            var expectedY = ActivationReference.Apply(name, zd, lastAxis);
            double[]? expectedDz = n <= 33 ? Vjp(name, zd, ToDouble<T>(dy), lastAxis) : null;
            double tol = Tolerance<T>() * (name == "sparsemax" && typeof(T) == typeof(float) ? 8 : 1);
            double gradTol = typeof(T) == typeof(double) ? 1e-6 : 1e-4;

            (T[] Y, T[] Dz)? scalar = null, firstVector = null;
            foreach (var variant in KernelVariants.Supported)
            {
                T[] y, dz;
                using (KernelVariants.Force(variant))
                {
                    y = Forward(act, z, lastAxis);
                    dz = new T[z.Length];
                    act.Backward<T>(z, y, dy, dz, lastAxis);
                }

                string what = $"{name}<{typeof(T).Name}> {variant} L={lastAxis}";
                AssertClose<T>(y, expectedY, tol, what + " y");
                if (expectedDz is not null)
                {
                    AssertClose<T>(dz, expectedDz, gradTol, what + " dz");
                }

                // Exact ops: every width, scalar included, the same bits. Elementwise ops through the runtime's exp and
                // log (and glu): the same bits at every vector width (each lane computes alike; only the scalar
                // variant's exp/log, the C runtime's, differ). Row reductions (log_softmax, sparsemax) sum in an order
                // that depends on the width, so only the reference binds them.
                if (variant == KernelVariant.Scalar)
                {
                    scalar = (y, dz);
                }
                else if (firstVector is null)
                {
                    firstVector = (y, dz);
                }

                if (Exact.Contains(name))
                {
                    BitAssert.Same(scalar!.Value.Y, y, what + " y against Scalar");
                    BitAssert.Same(scalar.Value.Dz, dz, what + " dz against Scalar");
                }
                else if ((!row || name == "glu") && firstVector is { } f)
                {
                    BitAssert.Same(f.Y, y, what + " y against the narrowest vector width");
                    BitAssert.Same(f.Dz, dz, what + " dz against the narrowest vector width");
                }
            }
        }
    }

    /// <summary>
    /// The vector-Jacobian product of the reference activation by central differences: dz[i] = sum_j dy[j] * dy_j/dz_i,
    /// row by row.
    /// </summary>
    private static double[] Vjp(string name, double[] z, double[] dy, int lastAxis)
    {
        const double h = 1e-6;
        int outLast = dy.Length / (z.Length / lastAxis);
        var dz = new double[z.Length];
        for (int r = 0; r < z.Length / lastAxis; r++)
        {
            for (int i = 0; i < lastAxis; i++)
            {
                var plus = z.AsSpan(r * lastAxis, lastAxis).ToArray();
                var minus = (double[])plus.Clone();
                plus[i] += h;
                minus[i] -= h;
                var yp = ActivationReference.Apply(name, plus, lastAxis);
                var ym = ActivationReference.Apply(name, minus, lastAxis);
                double sum = 0;
                for (int j = 0; j < outLast; j++)
                {
                    sum += dy[r * outLast + j] * (yp[j] - ym[j]) / (2 * h);
                }

                dz[r * lastAxis + i] = sum;
            }
        }

        return dz;
    }

    [Fact]
    public void VectorOps_give_the_same_bits_at_every_width_and_match_the_float64_reference()
    {
        CheckVectorOps<float>();
        CheckVectorOps<double>();
    }

    private static void CheckVectorOps<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The unit roundoff of T.
        double eps = Math.ScaleB(1.0, typeof(T) == typeof(float) ? -24 : -53);
        var rng = new Random(30);
        foreach (int n in Enumerable.Range(0, 71).Concat([127, 1031, 4099]))
        {
            var a = Cast<T>(Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray());
            var b = Cast<T>(Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray());
            var y0 = Cast<T>(Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray());
            T w = T.CreateTruncating(rng.NextDouble() * 2 - 1);
            double[] ad = ToDouble<T>(a), bd = ToDouble<T>(b), yd = ToDouble<T>(y0);
            double wd = double.CreateTruncating(w);

            // Float64 references: compensated sums (Neumaier) and the elementwise formulas.
            double dotRef = Neumaier(ad.Select((v, i) => v * bd[i])), dotAbs = ad.Select((v, i) => Math.Abs(v * bd[i])).Sum();
            double sumRef = Neumaier(ad), sumAbs = ad.Sum(Math.Abs);

            (T Dot, T Sum, T[] Add, T[] Fma, T[] FmaScalar)? first = null;
            foreach (var variant in KernelVariants.Supported)
            {
                string what = $"{typeof(T).Name} n={n} {variant}";
                T dot = VectorOps.Dot<T>(a, b, variant);
                T sum = VectorOps.Sum<T>(a, variant);
                var add = (T[])y0.Clone();
                VectorOps.Add<T>(a, add, variant);
                var fma = (T[])y0.Clone();
                VectorOps.MultiplyAdd<T>(a, b, fma, variant);
                var fmaScalar = (T[])y0.Clone();
                VectorOps.MultiplyAddScalar<T>(a, w, fmaScalar, variant);

                // A sum of n terms in any order is within n * eps * sum|terms| of the exact one.
                Assert.True(Math.Abs(double.CreateTruncating(dot) - dotRef) <= (n + 1) * eps * dotAbs, $"{what}: Dot {dot} against {dotRef:R}");
                Assert.True(Math.Abs(double.CreateTruncating(sum) - sumRef) <= (n + 1) * eps * sumAbs, $"{what}: Sum {sum} against {sumRef:R}");
                for (int i = 0; i < n; i++)
                {
                    // y + x * w with two roundings: within 2 eps of the float64 value, relative to |y| + |x * w|.
                    CloseTo(add[i], yd[i] + ad[i], 2 * eps * (Math.Abs(yd[i]) + Math.Abs(ad[i])), $"{what}: Add[{i}]");
                    CloseTo(fma[i], yd[i] + ad[i] * bd[i], 2 * eps * (Math.Abs(yd[i]) + Math.Abs(ad[i] * bd[i])), $"{what}: MultiplyAdd[{i}]");
                    CloseTo(fmaScalar[i], yd[i] + ad[i] * wd, 2 * eps * (Math.Abs(yd[i]) + Math.Abs(ad[i] * wd)), $"{what}: MultiplyAddScalar[{i}]");
                }

                if (first is not { } f)
                {
                    first = (dot, sum, add, fma, fmaScalar);
                    continue;
                }

                BitAssert.Same([f.Dot], [dot], what + ": Dot against Scalar");
                BitAssert.Same([f.Sum], [sum], what + ": Sum against Scalar");
                BitAssert.Same(f.Add, add, what + ": Add against Scalar");
                BitAssert.Same(f.Fma, fma, what + ": MultiplyAdd against Scalar");
                BitAssert.Same(f.FmaScalar, fmaScalar, what + ": MultiplyAddScalar against Scalar");
            }
        }
    }

    private static double Neumaier(IEnumerable<double> values)
    {
        double sum = 0, c = 0;
        foreach (double v in values)
        {
            double t = sum + v;
            c += Math.Abs(sum) >= Math.Abs(v) ? (sum - t) + v : (v - t) + sum;
            sum = t;
        }

        return sum + c;
    }

    private static void CloseTo<T>(T actual, double expected, double tol, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double a = double.CreateTruncating(actual);
        Assert.True(Math.Abs(a - expected) <= tol, $"{what}: {a:R} against {expected:R}");
    }

    /// <summary>
    /// A forced width reaches the layer's kernel and its fused activation on every thread: with exponential as the
    /// activation, the scalar variant must give exactly <c>Math.Exp</c> of the scalar reference convolution (the scalar
    /// exp is the runtime's <c>double.Exp</c>), where the vector widths' exp differs from it in the last bit on a good
    /// share of inputs; every width stays within 1e-12 of it.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Forcing_reaches_the_layer_kernel_and_its_fused_epilogue_on_worker_threads(bool last)
    {
        const int n = 4, length = 1024, c = 16, k = 5;
        var format = last ? DataFormat.ChannelsLast : DataFormat.ChannelsFirst;
        var g = Conv1DGeometry.ForPadding(n, length, c, 1, k, 1, 1, Padding.Same, format);
        var rng = new Random(31);
        double[] R(int count, double scale) => Enumerable.Range(0, count).Select(_ => (rng.NextDouble() * 2 - 1) * scale).ToArray();
        double[] x = R(g.InputCount, 1), kernel = R(g.KernelCount, 0.5), bias = R(g.OutputChannels, 0.5);
        var z = new double[g.OutputCount];
        ReferenceKernel.Forward<double>(g, x, kernel, bias, z);
        double[] expected = z.Select(Math.Exp).ToArray();

        var layer = new DepthwiseConv1D(k, 1, Padding.Same, 1, format, 1, Activation.Get("exponential"), dtype: DType.Float64)
        {
            MaxDegreeOfParallelism = 2,
        };
        layer.Build(last ? [null, null, c] : [null, c, null]);
        layer.SetWeights([Tensor.Create(kernel, [k, c, 1]), Tensor.Create(bias, [c])]);
        var input = Tensor.Create(x, last ? [n, length, c] : [n, c, length]);
        int vectorDiffers = 0;
        foreach (var variant in KernelVariants.Supported)
        {
            var y = new double[g.OutputCount];
            using (KernelVariants.Force(variant))
            {
                layer.Call(input).FlattenTo(y);
            }

            AssertClose<double>(y, expected, 1e-12, $"{variant}");
            if (variant == KernelVariant.Scalar)
            {
                BitAssert.Same(expected, y, "Scalar against Math.Exp of the reference");
            }
            else
            {
                vectorDiffers += y.Where((v, i) => v != expected[i]).Count();
            }
        }

        // Without it the scalar check would be vacuous: it must tell the two exps apart.
        Assert.True(KernelVariants.Best == KernelVariant.Scalar || vectorDiffers > 0, "the vector exp agrees with Math.Exp everywhere");
    }
}
