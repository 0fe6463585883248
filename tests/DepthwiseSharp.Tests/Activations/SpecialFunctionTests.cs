using DepthwiseSharp.Activations;

namespace DepthwiseSharp.Tests.Activations;

/// <summary>
/// The library's erf/erfc (the basis of gelu) against 20-digit values computed with mpmath, and the test reference
/// erf/erfc against the same values (so the reference is trustworthy at the 1e-12 level the gelu tests use).
/// </summary>
public class SpecialFunctionTests
{
    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(1e-8, 9.9999998871620832904e-1)]
    [InlineData(0.1, 8.875370839817151078e-1)]
    [InlineData(0.3, 6.7137324054087257236e-1)]
    [InlineData(0.5, 4.7950012218695346232e-1)]
    [InlineData(0.75, 2.888443663464848684e-1)]
    [InlineData(1, 1.5729920705028513066e-1)]
    [InlineData(1.5, 3.3894853524689272933e-2)]
    [InlineData(2, 4.6777349810472658379e-3)]
    [InlineData(2.5, 4.0695201744495893956e-4)]
    [InlineData(3, 2.2090496998585441373e-5)]
    [InlineData(4, 1.5417257900280018852e-8)]
    [InlineData(5, 1.5374597944280348502e-12)]
    [InlineData(6, 2.1519736712498913117e-17)]
    [InlineData(8, 1.122429717298292708e-29)]
    [InlineData(10, 2.088487583762544757e-45)]
    [InlineData(15, 7.2129941724512066666e-100)]
    [InlineData(20, 5.3958656116079009289e-176)]
    [InlineData(26, 5.6631924088561428465e-296)]
    [InlineData(-0.5, 1.5204998778130465377)]
    [InlineData(-1, 1.8427007929497148693)]
    [InlineData(-2, 1.9953222650189527342)]
    [InlineData(-5, 1.9999999999984625402)]
    public void Erfc_is_accurate_to_about_1e15_relative(double z, double expected)
    {
        AssertRelative(expected, SpecialFunctions.Erfc(z), 2e-15);
        AssertRelative(expected, ActivationReference.Erfc(z), 1e-13);
    }

    [Theory]
    [InlineData(1e-10, 1.1283791670955125739e-10)]
    [InlineData(1e-3, 1.1283787909692363799e-3)]
    [InlineData(0.2, 2.2270258921047845414e-1)]
    [InlineData(0.49, 5.1166826118852309921e-1)]
    [InlineData(0.51, 5.2924361984117042901e-1)]
    [InlineData(1, 8.4270079294971486934e-1)]
    [InlineData(2, 9.9532226501895273416e-1)]
    [InlineData(3, 9.9997790950300141456e-1)]
    [InlineData(-0.3, -3.2862675945912742764e-1)]
    [InlineData(-4, -9.9999998458274209972e-1)]
    public void Erf_is_accurate_to_about_1e15_relative(double z, double expected)
    {
        AssertRelative(expected, SpecialFunctions.Erf(z), 2e-15);
        AssertRelative(expected, ActivationReference.Erf(z), 1e-14);
    }

    [Theory]
    [InlineData(-20, -5.5072482372124673902e-88)]
    [InlineData(-8, -4.9767684594174272988e-15)]
    [InlineData(-5, -1.4332578593959695584e-6)]
    [InlineData(-3, -4.04969409489028358e-3)]
    [InlineData(-1, -1.5865525393145705141e-1)]
    [InlineData(-0.5, -1.5426876936299344818e-1)]
    [InlineData(-1e-3, -4.9960105778608893742e-4)]
    [InlineData(1e-3, 5.0039894221391106258e-4)]
    [InlineData(0.5, 3.4573123063700655182e-1)]
    [InlineData(1, 8.4134474606854294859e-1)]
    [InlineData(3, 2.9959503059051097164)]
    [InlineData(5, 4.999998566742140604)]
    [InlineData(8, 7.9999999999999950232)]
    public void Gelu_keeps_relative_precision_in_both_tails(double x, double expected)
    {
        // Every vector width and the scalar tail see x: it is repeated over 67 lanes.
        var z = Enumerable.Repeat(x, 67).ToArray();
        var y = new double[67];
        Activation.Gelu.Forward<double>(z, y, 1);
        Assert.All(y, v => AssertRelative(expected, v, 4e-15));
        if ((float)x == x)
        {
            // float goes through double, so it is the correctly rounded float of the exact value.
            var yf = new float[67];
            Activation.Gelu.Forward<float>(z.Select(v => (float)v).ToArray(), yf, 1);
            Assert.All(yf, v => Assert.Equal((float)expected, v));
        }
    }

    [Fact]
    public void Erf_and_erfc_handle_the_extremes()
    {
        Assert.Equal(0.0, SpecialFunctions.Erfc(double.PositiveInfinity));
        Assert.Equal(2.0, SpecialFunctions.Erfc(double.NegativeInfinity));
        Assert.Equal(1.0, SpecialFunctions.Erf(double.PositiveInfinity));
        Assert.Equal(-1.0, SpecialFunctions.Erf(double.NegativeInfinity));
        Assert.True(double.IsNaN(SpecialFunctions.Erfc(double.NaN)));
        Assert.True(double.IsNaN(SpecialFunctions.Erf(double.NaN)));
        Assert.Equal(0.0, SpecialFunctions.Erf(0.0));
    }

    private static void AssertRelative(double expected, double actual, double tol)
    {
        double err = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(err <= tol, $"expected {expected:R}, got {actual:R} (relative error {err:E3})");
    }
}
