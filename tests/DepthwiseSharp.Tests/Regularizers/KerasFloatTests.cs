using System.Globalization;
using System.Text.Json.Nodes;
using CsCheck;
using DepthwiseSharp.Serialization;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Tests.Regularizers;

public class KerasFloatTests
{
    // Expected strings are Python 3's repr(float) (json.dumps writes the same text).
    [Theory]
    [InlineData(0.01, "0.01")]
    [InlineData(2.0, "2.0")]
    [InlineData(1e-07, "1e-07")]
    [InlineData(0.5, "0.5")]
    [InlineData(100.0, "100.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(123456789.0, "123456789.0")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(0.00012345, "0.00012345")]
    [InlineData(-2.5e-05, "-2.5e-05")]
    [InlineData(1.5e300, "1.5e+300")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(123456789012345678.0, "1.2345678901234568e+17")]
    [InlineData(9999999999999998.0, "9999999999999998.0")]
    [InlineData(0.009999999776482582, "0.009999999776482582")]
    [InlineData(0.001, "0.001")]
    [InlineData(1e22, "1e+22")]
    [InlineData(0.0, "0.0")]
    [InlineData(-3.0, "-3.0")]
    public void Create_WritesPythonRepr(double value, string python)
    {
        Assert.Equal(python, KerasFloat.Repr(value));
        JsonNode node = KerasFloat.Create(value);
        Assert.Equal(python, node.ToJsonString());
        Assert.Equal(value, node.GetValue<double>());
        Assert.Equal("{\"v\":" + python + "}", new JsonObject { ["v"] = KerasFloat.Create(value) }.ToJsonString());
    }

    [Fact]
    public void Repr_NegativeZeroAndNonFinite()
    {
        Assert.Equal("-0.0", KerasFloat.Repr(-0.0));
        Assert.Equal("nan", KerasFloat.Repr(double.NaN));
        Assert.Equal("inf", KerasFloat.Repr(double.PositiveInfinity));
        Assert.Equal("-inf", KerasFloat.Repr(double.NegativeInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => KerasFloat.Create(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => KerasFloat.Create(double.NegativeInfinity));
    }

    [Fact]
    public void Create_RoundTripsEveryFiniteDouble()
    {
        Gen.Double.Where(double.IsFinite).Sample(v =>
        {
            string s = KerasFloat.Repr(v);
            bool ok = double.Parse(s, CultureInfo.InvariantCulture).Equals(v)
                && (s.Contains('.', StringComparison.Ordinal) || s.Contains('e', StringComparison.Ordinal))
                && JsonNode.Parse(KerasFloat.Create(v).ToJsonString())!.GetValue<double>().Equals(v);
            return ok;
        });
    }

    [Fact]
    public void ExponentSwitch_FollowsPythonRule()
    {
        // Python uses the exponent form when the decimal exponent e < -4 or e >= 16.
        Gen.Int[-300, 300].Sample(e =>
        {
            double v = double.Parse("1.5e" + e.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            bool sci = KerasFloat.Repr(v).Contains('e', StringComparison.Ordinal);
            return sci == (e < -4 || e >= 16);
        });
    }
}
