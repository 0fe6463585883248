using CsCheck;
using DepthwiseSharp.Activations;

namespace DepthwiseSharp.Tests.Activations;

/// <summary>Randomized properties (CsCheck) over shapes and values, complementing the fixed-seed reference tests.</summary>
public class ActivationPropertyTests
{
    private static readonly Gen<(int LastAxis, int Rows, double[] Pool)> Shapes =
        Gen.Select(Gen.Int[1, 40], Gen.Int[0, 5], Gen.Double[-30, 30].Array[400]);

    [Fact]
    public void Softmax_and_sparsemax_rows_are_distributions() =>
        Shapes.Sample((lastAxis, rows, pool) =>
        {
            var z = pool[..(lastAxis * rows)];
            foreach (var act in new[] { Activation.Softmax, Activation.Sparsemax })
            {
                var y = new double[z.Length];
                act.Forward<double>(z, y, lastAxis);
                for (int r = 0; r < rows; r++)
                {
                    var row = y.AsSpan(r * lastAxis, lastAxis);
                    double sum = 0;

                    // sparsemax computes z - tau with tau derived from the row's values, so an output can exceed 1 by
                    // a few ulps of the row's largest |z| (a one-element row of 25.31 gives 1.0000000000000018).
                    double maxAbs = 0;
                    foreach (double v in z.AsSpan(r * lastAxis, lastAxis))
                    {
                        maxAbs = Math.Max(maxAbs, Math.Abs(v));
                    }

                    foreach (double v in row)
                    {
                        Assert.True(v >= 0 && v <= 1 + 1e-15 * (1 + maxAbs), $"{act.Name}: {v}");
                        sum += v;
                    }

                    // Rounding of a sum of lastAxis terms grows with the row length; 1e-12 flaked on long random rows.
                    Assert.True(Math.Abs(sum - 1) < 1e-14 * lastAxis + 1e-12, $"{act.Name}: row sums to {sum:R}");
                }
            }
        });

    [Fact]
    public void Log_softmax_is_the_log_of_softmax() =>
        Shapes.Sample((lastAxis, rows, pool) =>
        {
            var z = pool[..(lastAxis * rows)];
            var s = new double[z.Length];
            var ls = new double[z.Length];
            Activation.Softmax.Forward<double>(z, s, lastAxis);
            Activation.LogSoftmax.Forward<double>(z, ls, lastAxis);
            for (int i = 0; i < z.Length; i++)
            {
                Assert.True(Math.Abs(Math.Exp(ls[i]) - s[i]) <= 1e-13, $"exp({ls[i]:R}) vs {s[i]:R}");
            }
        });

    [Fact]
    public void Softmax_and_log_softmax_gradients_are_orthogonal_to_constant_shifts() =>
        Shapes.Sample((lastAxis, rows, pool) =>
        {
            // softmax(z + c) = softmax(z), so every row of dz sums to 0 whatever dy is.
            var z = pool[..(lastAxis * rows)];
            var dy = pool[(400 - z.Length)..];
            foreach (var act in new[] { Activation.Softmax, Activation.LogSoftmax, Activation.Sparsemax })
            {
                var y = new double[z.Length];
                var dz = new double[z.Length];
                act.Forward<double>(z, y, lastAxis);
                act.Backward<double>(z, y, dy, dz, lastAxis);
                for (int r = 0; r < rows; r++)
                {
                    double sum = 0;
                    foreach (double v in dz.AsSpan(r * lastAxis, lastAxis))
                    {
                        sum += v;
                    }

                    Assert.True(Math.Abs(sum) < 1e-9, $"{act.Name}: gradient row sums to {sum:R}");
                }
            }
        });

    [Fact]
    public void Every_activation_agrees_between_float_and_double() =>
        Gen.Select(Gen.Int[0, Activation.Names.Count - 1], Gen.Int[1, 20], Gen.Float[-8, 8].Array[80])
            .Sample((index, half, pool) =>
            {
                var act = Activation.Get(Activation.Names[index]);
                int lastAxis = 2 * half;
                var zf = pool[..(lastAxis * (80 / lastAxis))];
                var yf = new float[zf.Length / lastAxis * act.OutputLastAxisLength(lastAxis)];
                var yd = new double[yf.Length];
                act.Forward<float>(zf, yf, lastAxis);
                act.Forward<double>(zf.Select(v => (double)v).ToArray(), yd, lastAxis);
                for (int i = 0; i < yf.Length; i++)
                {
                    Assert.True(Math.Abs(yf[i] - yd[i]) <= 2e-6 * Math.Max(1, Math.Abs(yd[i])) * (act.Name == "sparsemax" ? 8 : 1),
                        $"{act.Name}[{i}]: float {yf[i]:R}, double {yd[i]:R}");
                }
            });
}
