using DepthwiseSharp.Initializers;
using static DepthwiseSharp.Tests.Initializers.InitializerTestUtil;

namespace DepthwiseSharp.Tests.Initializers;

/// <summary>
/// Large draws (202,752 values: 44 seeds x the kernel (9, 128, 4), or one (9, 128, 176) weight) whose mean, variance and
/// bounds must match the formulas within 5 standard errors of the sample.
/// </summary>
public class DistributionTests
{
    private const double TruncCorrection = 0.87962566103423978;

    // Kernel layout (k, C, M) = (9, 128, 4): fan_in = 1152, fan_out = 36, fan_avg = 594.
    private static readonly int[] Kernel = [9, 128, 4];
    private const double FanIn = 1152, FanOut = 36, FanAvg = 594;

    public enum Kind
    {
        Uniform,
        Truncated,
        Untruncated,
    }

    private static List<double> PooledKernelDraws(Func<long, Initializer> make)
    {
        var all = new List<double>(44 * 4608);
        for (long seed = 0; seed < 44; seed++)
        {
            all.AddRange(FillDouble(make(1000 + seed), Kernel));
        }

        return all;
    }

    private static void AssertMoments(IReadOnlyList<double> x, double mean, double variance, double kurtosis)
    {
        var (m, v, _, _) = Stats(x);
        double n = x.Count;
        double seMean = Math.Sqrt(variance / n);
        double seVar = variance * Math.Sqrt((kurtosis - 1) / n);
        Assert.InRange(m, mean - (5 * seMean), mean + (5 * seMean));
        Assert.InRange(v, variance - (5 * seVar), variance + (5 * seVar));
    }

    private static void AssertDistribution(IReadOnlyList<double> x, Kind kind, double variance)
    {
        var (_, _, min, max) = Stats(x);
        switch (kind)
        {
            case Kind.Uniform:
                double limit = Math.Sqrt(3 * variance);
                AssertMoments(x, 0, variance, 1.8);
                Assert.InRange(min, -limit, -0.999 * limit);
                Assert.InRange(max, 0.999 * limit, limit);
                break;
            case Kind.Truncated:
                double bound = 2 * Math.Sqrt(variance) / TruncCorrection;
                AssertMoments(x, 0, variance, 3.0); // the truncated kurtosis (about 2.36) is below 3: conservative
                Assert.InRange(min, -bound, -0.99 * bound);
                Assert.InRange(max, 0.99 * bound, bound);
                break;
            default:
                double sd = Math.Sqrt(variance);
                AssertMoments(x, 0, variance, 3.0);
                Assert.True(max > 3.5 * sd && min < -3.5 * sd, "untruncated draws should reach past 3.5 stddev");
                break;
        }
    }

    [Fact]
    public void Truncation_constant_is_the_stddev_of_a_normal_cut_at_two()
    {
        // Var of N(0,1) given |z| <= 2: 1 - 2*2*phi(2) / (2*Phi(2) - 1).
        double phi2 = Math.Exp(-2) / Math.Sqrt(2 * Math.PI);
        double mass = 0.9544997361036416;
        Assert.Equal(TruncCorrection * TruncCorrection, 1 - (4 * phi2 / mass), 1e-12);
    }

    [Fact]
    public void GlorotUniform() => AssertDistribution(PooledKernelDraws(s => new GlorotUniform(s)), Kind.Uniform, 1 / FanAvg);

    [Fact]
    public void GlorotNormal() => AssertDistribution(PooledKernelDraws(s => new GlorotNormal(s)), Kind.Truncated, 1 / FanAvg);

    [Fact]
    public void HeUniform() => AssertDistribution(PooledKernelDraws(s => new HeUniform(s)), Kind.Uniform, 2 / FanIn);

    [Fact]
    public void HeNormal() => AssertDistribution(PooledKernelDraws(s => new HeNormal(s)), Kind.Truncated, 2 / FanIn);

    [Fact]
    public void LecunUniform() => AssertDistribution(PooledKernelDraws(s => new LecunUniform(s)), Kind.Uniform, 1 / FanIn);

    [Fact]
    public void LecunNormal() => AssertDistribution(PooledKernelDraws(s => new LecunNormal(s)), Kind.Truncated, 1 / FanIn);

    [Theory]
    [InlineData("fan_in", "truncated_normal", 0.5)]
    [InlineData("fan_out", "truncated_normal", 3.0)]
    [InlineData("fan_avg", "normal", 1.0)]
    [InlineData("fan_in", "untruncated_normal", 2.0)]
    [InlineData("fan_out", "untruncated_normal", 3.0)]
    [InlineData("fan_avg", "uniform", 0.1)]
    [InlineData("fan_out", "uniform", 6.0)]
    public void VarianceScaling(string mode, string distribution, double scale)
    {
        double n = mode switch { "fan_in" => FanIn, "fan_out" => FanOut, _ => FanAvg };
        var kind = distribution switch
        {
            "uniform" => Kind.Uniform,
            "untruncated_normal" => Kind.Untruncated,
            _ => Kind.Truncated,
        };
        AssertDistribution(
            PooledKernelDraws(s => new VarianceScaling(scale, mode, distribution, s)), kind, scale / n);
    }

    [Fact]
    public void VarianceScaling_on_one_large_kernel()
    {
        // (9, 128, 176): fan_in = 1152, fan_out = 1584, fan_avg = 1368.
        var x = FillDouble(new VarianceScaling(2.0, VarianceScalingMode.FanAvg, VarianceScalingDistribution.TruncatedNormal, 5), 9, 128, 176);
        Assert.Equal(202752, x.Length);
        AssertDistribution(x, Kind.Truncated, 2.0 / 1368);
        x = FillDouble(new GlorotUniform(6), 9, 128, 176);
        AssertDistribution(x, Kind.Uniform, 1.0 / 1368);
    }

    [Fact]
    public void RandomNormal_defaults_and_custom()
    {
        var x = FillDouble(new RandomNormal(seed: 11), 200_000);
        AssertMoments(x, 0.0, 0.05 * 0.05, 3.0);
        x = FillDouble(new RandomNormal(mean: 0.5, stddev: 2.0, seed: 12), 400, 500);
        AssertMoments(x, 0.5, 4.0, 3.0);
        var (_, _, min, max) = Stats(x);
        Assert.True(max > 0.5 + (7.0) && min < 0.5 - 7.0, "the untruncated tails reach past 3.5 stddev");
    }

    [Fact]
    public void TruncatedNormal_defaults_and_custom()
    {
        var x = FillDouble(new TruncatedNormal(seed: 13), 200_000);
        double sd = 0.05 * TruncCorrection;
        AssertMoments(x, 0.0, sd * sd, 3.0);
        var (_, _, min, max) = Stats(x);
        Assert.InRange(min, -0.1, -0.099);
        Assert.InRange(max, 0.099, 0.1);

        x = FillDouble(new TruncatedNormal(mean: -1.0, stddev: 0.25, seed: 14), 200, 1000);
        sd = 0.25 * TruncCorrection;
        AssertMoments(x, -1.0, sd * sd, 3.0);
        (_, _, min, max) = Stats(x);
        Assert.InRange(min, -1.5, -1.495);
        Assert.InRange(max, -0.505, -0.5);
    }

    [Fact]
    public void RandomUniform_defaults_and_custom()
    {
        var x = FillDouble(new RandomUniform(seed: 15), 200_000);
        AssertMoments(x, 0.0, 0.1 * 0.1 / 12, 1.8);
        var (_, _, min, max) = Stats(x);
        Assert.InRange(min, -0.05, -0.0499);
        Assert.InRange(max, 0.0499, 0.05);
        Assert.True(max < 0.05);

        x = FillDouble(new RandomUniform(1.0, 3.0, seed: 16), 200_000);
        AssertMoments(x, 2.0, 4.0 / 12, 1.8);
        (_, _, min, max) = Stats(x);
        Assert.InRange(min, 1.0, 1.001);
        Assert.InRange(max, 2.999, 3.0);
    }

    [Fact]
    public void Degenerate_ranges_give_constants()
    {
        Assert.All(FillDouble(new RandomUniform(0.25, 0.25, 1), 100), v => Assert.Equal(0.25, v));
        Assert.All(FillDouble(new RandomNormal(0.5, 0.0, 1), 100), v => Assert.Equal(0.5, v));
        Assert.All(FillDouble(new TruncatedNormal(-2.0, 0.0, 1), 100), v => Assert.Equal(-2.0, v));
    }

    [Fact]
    public void Unseeded_draws_have_the_right_moments()
    {
        // Seeds drawn at construction; a 6-sigma band keeps this from flaking.
        var x = FillDouble(new HeNormal(), 9, 128, 176);
        var (m, v, min, max) = Stats(x);
        double variance = 2.0 / 1152;
        Assert.InRange(m, -6 * Math.Sqrt(variance / x.Length), 6 * Math.Sqrt(variance / x.Length));
        Assert.InRange(v, variance * (1 - (6 * Math.Sqrt(2.0 / x.Length))), variance * (1 + (6 * Math.Sqrt(2.0 / x.Length))));
        double bound = 2 * Math.Sqrt(variance) / TruncCorrection;
        Assert.True(min >= -bound && max <= bound);
    }

    [Fact]
    public void Constant_initializers()
    {
        Assert.All(FillFloat(new Zeros(), 9, 128, 4), v => Assert.Equal(0f, v));
        Assert.All(FillFloat(new Ones(), 3, 2), v => Assert.Equal(1f, v));
        Assert.All(FillDouble(new Constant(0.1), 5, 7), v => Assert.Equal(0.1, v));
        Assert.All(FillFloat(new Constant(0.1), 5, 7), v => Assert.Equal(0.1f, v));
        Assert.All(FillDouble(new Constant(), 4), v => Assert.Equal(0.0, v));
        Assert.All(FillDouble(Initializer.Get("ones"), []), v => Assert.Equal(1.0, v));
    }
}
