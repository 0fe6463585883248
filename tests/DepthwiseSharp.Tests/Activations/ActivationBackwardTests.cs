using System.Numerics;
using DepthwiseSharp.Activations;
using static DepthwiseSharp.Tests.Activations.ActivationTestData;

namespace DepthwiseSharp.Tests.Activations;

public class ActivationBackwardTests
{
    private const double Step = 1e-6;

    [Theory]
    [MemberData(nameof(ElementwiseNames), MemberType = typeof(ActivationTestData))]
    public void Elementwise_gradient_matches_central_differences(string name)
    {
        var act = Activation.Get(name);
        foreach (int n in new[] { 1, 3, 8, 17, 64, 301 })
        {
            var z = AwayFromKinks(n, 4000 + n, -8, 8);
            var dy = Values(n, 5000 + n, specials: false).Select(v => v / 8).ToArray();
            var y = Forward(act, z, 1);
            var dz = new double[n];
            act.Backward<double>(z, y, dy, dz, 1);
            var plus = Forward(act, z.Select(v => v + Step).ToArray(), 1);
            var minus = Forward(act, z.Select(v => v - Step).ToArray(), 1);
            var fd = dy.Select((g, i) => g * (plus[i] - minus[i]) / (2 * Step)).ToArray();
            AssertClose<double>(dz, fd, 1e-7, $"{name} n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(RowNames), MemberType = typeof(ActivationTestData))]
    public void Row_vector_jacobian_product_matches_central_differences(string name)
    {
        var act = Activation.Get(name);
        foreach (int n in new[] { 1, 2, 3, 5, 8, 17, 33 })
        {
            int lastAxis = name == "glu" ? 2 * n : n;
            int rows = 3;
            var z = AwayFromKinks(rows * lastAxis, 6000 + n, -3, 3);
            var y = Forward(act, z, lastAxis);
            var dy = Values(y.Length, 7000 + n, specials: false).Select(v => v / 8).ToArray();
            var dz = new double[z.Length];
            act.Backward<double>(z, y, dy, dz, lastAxis);
            var fd = new double[z.Length];
            for (int j = 0; j < z.Length; j++)
            {
                var zp = (double[])z.Clone();
                var zm = (double[])z.Clone();
                zp[j] += Step;
                zm[j] -= Step;
                var yp = Forward(act, zp, lastAxis);
                var ym = Forward(act, zm, lastAxis);
                double g = 0;
                for (int i = 0; i < y.Length; i++)
                {
                    g += dy[i] * (yp[i] - ym[i]);
                }

                fd[j] = g / (2 * Step);
            }

            AssertClose<double>(dz, fd, 1e-7, $"{name} L={lastAxis}");
        }
    }

    [Theory]
    [MemberData(nameof(AllNames), MemberType = typeof(ActivationTestData))]
    public void Float_gradient_agrees_with_double_gradient(string name)
    {
        var act = Activation.Get(name);
        foreach (int n in new[] { 1, 5, 16, 31, 64, 257 })
        {
            int lastAxis = name == "glu" ? 2 * n : n;
            var zf = Cast<float>(AwayFromKinks(2 * lastAxis, 8000 + n, -8, 8, gap: 1e-2));
            var yf = Forward(act, zf, lastAxis);
            var dyf = Cast<float>(Values(yf.Length, 9000 + n, specials: false));
            var dzf = new float[zf.Length];
            act.Backward<float>(zf, yf, dyf, dzf, lastAxis);

            var zd = ToDouble<float>(zf);
            var yd = Forward(act, zd, lastAxis);
            var dzd = new double[zd.Length];
            act.Backward<double>(zd, yd, ToDouble<float>(dyf), dzd, lastAxis);
            AssertClose<float>(dzf, dzd, 1e-5, $"{name} L={lastAxis}");
        }
    }

    [Theory]
    [MemberData(nameof(AllNames), MemberType = typeof(ActivationTestData))]
    public void Double_backward_may_write_over_its_inputs(string name) => BackwardAliasing<double>(name);

    [Theory]
    [MemberData(nameof(AllNames), MemberType = typeof(ActivationTestData))]
    public void Float_backward_may_write_over_its_inputs(string name) => BackwardAliasing<float>(name);

    [Theory]
    [MemberData(nameof(AllNames), MemberType = typeof(ActivationTestData))]
    public void Backward_covers_every_vector_width_and_tail(string name)
    {
        // The same per-row data must give the same gradient whatever the position in the span (vector body or tail).
        var act = Activation.Get(name);
        foreach (int n in Lengths.Where(n => n > 0 && n <= 70))
        {
            int lastAxis = name == "glu" ? 2 * n : n;
            var z = AwayFromKinks(lastAxis, 10_000 + n, -8, 8);
            var y = Forward(act, z, lastAxis);
            var dy = Values(y.Length, 11_000 + n, specials: false);
            var dz = new double[z.Length];
            act.Backward<double>(z, y, dy, dz, lastAxis);
            if (act.IsElementwise)
            {
                var scalar = new double[n];
                for (int i = 0; i < n; i++)
                {
                    act.Backward<double>(z.AsSpan(i, 1), y.AsSpan(i, 1), dy.AsSpan(i, 1), scalar.AsSpan(i, 1), 1);
                }

                AssertClose<double>(dz, scalar, 1e-13, $"{name} n={n}");
            }
            else
            {
                var dzf = new float[z.Length];
                act.Backward<float>(Cast<float>(z), Cast<float>(y), Cast<float>(dy), dzf, lastAxis);
                AssertClose<float>(dzf, dz, 1e-4, $"{name} L={lastAxis}");
            }
        }
    }

    private static void BackwardAliasing<T>(string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var act = Activation.Get(name);
        foreach (int n in new[] { 1, 7, 33, 130 })
        {
            int lastAxis = name == "glu" ? 2 * n : n;
            var z = Cast<T>(AwayFromKinks(3 * lastAxis, 12_000 + n, -8, 8));
            var y = Forward(act, z, lastAxis);
            var dy = Cast<T>(Values(y.Length, 13_000 + n, specials: false));
            var expected = new T[z.Length];
            act.Backward<T>(z, y, dy, expected, lastAxis);

            var zCopy = (T[])z.Clone();
            act.Backward<T>(zCopy, y, dy, zCopy, lastAxis);
            Assert.Equal(expected, zCopy);

            if (name != "glu")
            {
                var dyCopy = (T[])dy.Clone();
                act.Backward<T>(z, y, dyCopy, dyCopy, lastAxis);
                Assert.Equal(expected, dyCopy);

                var yCopy = (T[])y.Clone();
                act.Backward<T>(z, yCopy, dy, yCopy, lastAxis);
                Assert.Equal(expected, yCopy);
            }
        }
    }
}
