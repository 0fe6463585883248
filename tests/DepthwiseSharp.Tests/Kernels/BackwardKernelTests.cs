using DepthwiseSharp.Kernels;

namespace DepthwiseSharp.Tests.Kernels;

/// <summary>
/// The three gradients: the scalar reference against central finite differences of the forward formula (float64), and
/// every SIMD variant against the reference over boundary shapes.
/// </summary>
public class BackwardKernelTests
{
    public static TheoryData<string> Variants() => KernelVariantTests.Variants();

    public static TheoryData<int, int, int, int, int, int, int, int, int> SmallShapes() => new()
    {
        // n, l, c, m, k, s, d, padLeft, padRight
        { 2, 7, 3, 1, 3, 1, 1, 1, 1 },
        { 1, 9, 2, 3, 4, 2, 1, 1, 2 },
        { 2, 6, 1, 2, 2, 1, 3, 3, 0 },
        { 1, 5, 4, 1, 5, 3, 1, 0, 4 },
        { 1, 3, 2, 2, 7, 1, 1, 6, 0 },
    };

    [Theory]
    [MemberData(nameof(SmallShapes))]
    public void Reference_gradients_match_finite_differences(int n, int l, int c, int m, int k, int s, int d, int pl, int pr)
    {
        foreach (var df in (DataFormat[])[DataFormat.ChannelsLast, DataFormat.ChannelsFirst])
        {
            var g = new Conv1DGeometry(n, l, c, m, k, s, d, pl, pr, df);
            var rng = new Random(11);
            var x = Rand(g.InputCount, rng);
            var w = Rand(g.KernelCount, rng);
            var b = Rand(g.OutputChannels, rng);
            var dz = Rand(g.OutputCount, rng);

            // Loss = sum(z * dz); its gradients are what the backward kernels compute.
            double Loss(double[] xx, double[] ww, double[] bb)
            {
                var z = new double[g.OutputCount];
                ReferenceKernel.Forward<double>(g, xx, ww, bb, z);
                return z.Select((v, i) => v * dz[i]).Sum();
            }

            var dx = new double[g.InputCount];
            var dw = new double[g.KernelCount];
            var db = new double[g.OutputChannels];
            ReferenceBackward.Input<double>(g, dz, w, dx);
            ReferenceBackward.Kernel<double>(g, x, dz, dw);
            ReferenceBackward.Bias<double>(g, dz, db);
            AssertFiniteDifference(dx, x, v => Loss(v, w, b));
            AssertFiniteDifference(dw, w, v => Loss(x, v, b));
            AssertFiniteDifference(db, b, v => Loss(x, w, v));
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Variants_match_reference_gradients(string name)
    {
        var variant = Enum.Parse<KernelVariant>(name);
        var rng = new Random(5);
        foreach (int c in (int[])[1, 3, 7, 8, 9, 16, 17, 33])
        {
            foreach (int m in (int[])[1, 2, 3, 4])
            {
                foreach (var (k, s, d) in ((int, int, int)[])[(1, 1, 1), (3, 1, 1), (4, 2, 1), (5, 1, 2), (7, 3, 1), (31, 1, 1)])
                {
                    foreach (var padding in (Padding[])[Padding.Valid, Padding.Same, Padding.Causal])
                    {
                        int length = (k - 1) * d + 1 + rng.Next(0, 12);
                        foreach (var df in (DataFormat[])[DataFormat.ChannelsLast, DataFormat.ChannelsFirst])
                        {
                            var g = Conv1DGeometry.ForPadding(2, length, c, m, k, s, d, padding, df);
                            var x = Rand(g.InputCount, rng);
                            var w = Rand(g.KernelCount, rng);
                            var dz = Rand(g.OutputCount, rng);
                            var dxRef = new double[g.InputCount];
                            var dwRef = new double[g.KernelCount];
                            var dbRef = new double[g.OutputChannels];
                            ReferenceBackward.Input<double>(g, dz, w, dxRef);
                            ReferenceBackward.Kernel<double>(g, x, dz, dwRef);
                            ReferenceBackward.Bias<double>(g, dz, dbRef);
                            var dx = Fill(g.InputCount);
                            var dw = Fill(g.KernelCount);
                            var db = Fill(g.OutputChannels);
                            BackwardKernel.Input<double>(g, dz, w, dx, variant);
                            BackwardKernel.KernelAndBias<double>(g, x, dz, dw, db, variant);
                            AssertClose(dxRef, dx, g.ToString());
                            AssertClose(dwRef, dw, g.ToString());
                            AssertClose(dbRef, db, g.ToString());
                        }
                    }
                }
            }
        }
    }

    private static double[] Fill(int n) => Enumerable.Repeat(double.NaN, n).ToArray();

    private static double[] Rand(int n, Random rng) => Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * (1 + Math.Abs(expected[i])), $"{what} [{i}]: {expected[i]} vs {actual[i]}");
        }
    }

    private static void AssertFiniteDifference(double[] analytic, double[] point, Func<double[], double> f)
    {
        const double h = 1e-6;
        for (int i = 0; i < point.Length; i++)
        {
            var plus = (double[])point.Clone();
            var minus = (double[])point.Clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (f(plus) - f(minus)) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-6 * (1 + Math.Abs(numeric)), $"[{i}] analytic {analytic[i]} vs numeric {numeric}");
        }
    }
}
