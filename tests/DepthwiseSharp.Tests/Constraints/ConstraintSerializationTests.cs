using System.Text.Json.Nodes;
using DepthwiseSharp.Constraints;

namespace DepthwiseSharp.Tests.Constraints;

public class ConstraintSerializationTests
{
    [Fact]
    public void Defaults_WriteKeras3Json()
    {
        // Keras 3: MaxNorm(max_value=2, axis=0) stores the Python int 2, so get_config() gives {"max_value": 2, "axis": 0}.
        Assert.Equal(
            "{\"module\":\"keras.constraints\",\"class_name\":\"MaxNorm\",\"config\":{\"max_value\":2,\"axis\":0},\"registered_name\":null}",
            new MaxNorm().Serialize().ToJsonString());
        Assert.Equal(
            "{\"module\":\"keras.constraints\",\"class_name\":\"MinMaxNorm\",\"config\":{\"min_value\":0.0,\"max_value\":1.0,\"rate\":1.0,\"axis\":0},\"registered_name\":null}",
            new MinMaxNorm().Serialize().ToJsonString());
        Assert.Equal(
            "{\"module\":\"keras.constraints\",\"class_name\":\"NonNeg\",\"config\":{},\"registered_name\":null}",
            new NonNeg().Serialize().ToJsonString());
        Assert.Equal(
            "{\"module\":\"keras.constraints\",\"class_name\":\"UnitNorm\",\"config\":{\"axis\":0},\"registered_name\":null}",
            new UnitNorm().Serialize().ToJsonString());
    }

    [Fact]
    public void DoubleArguments_AreWrittenAsPythonFloats()
    {
        Assert.Equal(
            "{\"module\":\"keras.constraints\",\"class_name\":\"MaxNorm\",\"config\":{\"max_value\":2.0,\"axis\":0},\"registered_name\":null}",
            new MaxNorm(2.0).Serialize().ToJsonString());
        Assert.Equal("{\"max_value\":3.0,\"axis\":[0,1]}", new MaxNorm(3.0, [0, 1]).GetConfig().ToJsonString());
        Assert.Equal("{\"max_value\":0.5,\"axis\":null}", new MaxNorm(0.5, null).GetConfig().ToJsonString());
        Assert.Equal("{\"axis\":-1}", new UnitNorm(-1).GetConfig().ToJsonString());
        Assert.Equal("{\"min_value\":0.1,\"max_value\":2.0,\"rate\":0.5,\"axis\":[2]}", new MinMaxNorm(0.1, 2, 0.5, [2]).GetConfig().ToJsonString());
    }

    public static TheoryData<string> RoundTripCases => new()
    {
        "{\"module\":\"keras.constraints\",\"class_name\":\"MaxNorm\",\"config\":{\"max_value\":2.0,\"axis\":0},\"registered_name\":null}",
        "{\"module\":\"keras.constraints\",\"class_name\":\"MaxNorm\",\"config\":{\"max_value\":2,\"axis\":0},\"registered_name\":null}",
        "{\"module\":\"keras.constraints\",\"class_name\":\"MaxNorm\",\"config\":{\"max_value\":3.0,\"axis\":[0,1]},\"registered_name\":null}",
        "{\"module\":\"keras.constraints\",\"class_name\":\"MaxNorm\",\"config\":{\"max_value\":1e-07,\"axis\":null},\"registered_name\":null}",
        "{\"module\":\"keras.constraints\",\"class_name\":\"MinMaxNorm\",\"config\":{\"min_value\":0.0,\"max_value\":1.0,\"rate\":1.0,\"axis\":0},\"registered_name\":null}",
        "{\"module\":\"keras.constraints\",\"class_name\":\"MinMaxNorm\",\"config\":{\"min_value\":0,\"max_value\":2,\"rate\":0.5,\"axis\":-1},\"registered_name\":null}",
        "{\"module\":\"keras.constraints\",\"class_name\":\"NonNeg\",\"config\":{},\"registered_name\":null}",
        "{\"module\":\"keras.constraints\",\"class_name\":\"UnitNorm\",\"config\":{\"axis\":0},\"registered_name\":null}",
        "{\"module\":\"keras.constraints\",\"class_name\":\"UnitNorm\",\"config\":{\"axis\":[0,1,2]},\"registered_name\":null}",
    };

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void SerializeFromConfigSerialize_IsIdentical(string json)
    {
        Constraint c = Constraint.FromConfig(JsonNode.Parse(json)!);
        string once = c.Serialize().ToJsonString();
        Assert.Equal(json, once);
        Assert.Equal(once, Constraint.FromConfig(JsonNode.Parse(once)!).Serialize().ToJsonString());
        Assert.Equal(once, Constraint.FromConfig(c.Serialize()).Serialize().ToJsonString());
    }

    [Fact]
    public void ConstructedInstances_RoundTrip()
    {
        Constraint[] all = [new MaxNorm(), new MaxNorm(0.1 + 0.2, [1, -1]), new MinMaxNorm(0.25, 4.0, 0.75, null), new NonNeg(), new UnitNorm([])];
        foreach (Constraint c in all)
        {
            string once = c.Serialize().ToJsonString();
            Assert.Equal(once, Constraint.FromConfig(JsonNode.Parse(once)!).Serialize().ToJsonString());
        }
    }

    [Fact]
    public void TwoKeyForm_Reads()
    {
        var m = Assert.IsType<MinMaxNorm>(Constraint.FromConfig(JsonNode.Parse("{\"class_name\": \"MinMaxNorm\", \"config\": {\"min_value\": 0.0, \"max_value\": 1.0, \"rate\": 1.0, \"axis\": 0}}")!));
        Assert.Equal(1.0, m.MaxValue);
        Assert.Equal([0], m.Axis!);
        var u = Assert.IsType<UnitNorm>(Constraint.FromConfig(JsonNode.Parse("{\"class_name\": \"UnitNorm\", \"config\": {\"axis\": 0}}")!));
        Assert.Equal([0], u.Axis!);
        var n = Assert.IsType<MaxNorm>(Constraint.FromConfig(JsonNode.Parse("{\"class_name\": \"MaxNorm\"}")!));
        Assert.Equal(2.0, n.MaxValue);
        Assert.Equal("{\"max_value\":2,\"axis\":0}", n.GetConfig().ToJsonString());
    }

    [Fact]
    public void AxisInConfig_IntListNone()
    {
        var a = Assert.IsType<UnitNorm>(Constraint.FromConfig(JsonNode.Parse("{\"class_name\":\"UnitNorm\",\"config\":{\"axis\":[0,-1]}}")!));
        Assert.Equal([0, -1], a.Axis!);
        var b = Assert.IsType<UnitNorm>(Constraint.FromConfig(JsonNode.Parse("{\"class_name\":\"UnitNorm\",\"config\":{\"axis\":null}}")!));
        Assert.Null(b.Axis);
        double[] w = [3.0, 0.0, 0.0, 4.0];
        b.Apply<double>(w, [2, 2]);
        Assert.Equal(0.6, w[0], 1e-6);
        Assert.Equal(0.8, w[3], 1e-6);
    }

    [Theory]
    [InlineData("max_norm", "MaxNorm")]
    [InlineData("MaxNorm", "MaxNorm")]
    [InlineData("MAX_NORM", "MaxNorm")]
    [InlineData("maxnorm", "MaxNorm")]
    [InlineData("min_max_norm", "MinMaxNorm")]
    [InlineData("MinMaxNorm", "MinMaxNorm")]
    [InlineData("non_neg", "NonNeg")]
    [InlineData("NonNeg", "NonNeg")]
    [InlineData("nonneg", "NonNeg")]
    [InlineData("unit_norm", "UnitNorm")]
    [InlineData("UnitNorm", "UnitNorm")]
    [InlineData("Unit_Norm", "UnitNorm")]
    public void Identifiers(string id, string className)
    {
        Assert.Equal(className, Constraint.Get(id).ClassName);
        Assert.Equal(className, Constraint.FromConfig(JsonValue.Create(id)).ClassName);
    }

    [Fact]
    public void IdentifierDefaults_MatchClassDefaults()
    {
        Assert.Equal(new MaxNorm().Serialize().ToJsonString(), Constraint.Get("max_norm").Serialize().ToJsonString());
        Assert.Equal(new MinMaxNorm().Serialize().ToJsonString(), Constraint.Get("min_max_norm").Serialize().ToJsonString());
        Assert.Equal(new UnitNorm().Serialize().ToJsonString(), Constraint.Get("unit_norm").Serialize().ToJsonString());
    }

    [Theory]
    [InlineData("max")]
    [InlineData("")]
    [InlineData("l2")]
    [InlineData("radial_constraint")]
    public void UnknownIdentifier_ExactMessage(string id)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => Constraint.Get(id));
        Assert.Equal($"Could not interpret constraint identifier: {id}", ex.Message);
        Assert.Equal("constraint", ex.ParamName);
        var ex2 = Assert.ThrowsAny<ArgumentException>(() => Constraint.FromConfig(JsonValue.Create(id)));
        Assert.Equal($"Could not interpret constraint identifier: {id}", ex2.Message);
    }

    [Fact]
    public void UnknownObjectAndBadConfig_Messages()
    {
        const string json = "{\"class_name\":\"Clip\",\"config\":{}}";
        var ex = Assert.ThrowsAny<ArgumentException>(() => Constraint.FromConfig(JsonNode.Parse(json)!));
        Assert.Equal($"Could not interpret constraint identifier: {json}", ex.Message);
        Assert.Equal("constraint", ex.ParamName);

        var e2 = Assert.ThrowsAny<ArgumentException>(() => Constraint.FromConfig(JsonNode.Parse("{\"class_name\":\"MaxNorm\",\"config\":{\"max_value\":2,\"axes\":0}}")!));
        Assert.Equal("MaxNorm.__init__() got an unexpected keyword argument 'axes'", e2.Message);
        var e3 = Assert.ThrowsAny<ArgumentException>(() => Constraint.FromConfig(JsonNode.Parse("{\"class_name\":\"MaxNorm\",\"config\":{\"max_value\":-2}}")!));
        Assert.Equal("Invalid value for argument `max_value`: expected a finite number >= 0. Received: max_value=-2", e3.Message);
        var e4 = Assert.ThrowsAny<ArgumentException>(() => Constraint.FromConfig(JsonNode.Parse("{\"class_name\":\"UnitNorm\",\"config\":{\"axis\":\"x\"}}")!));
        Assert.Equal("axis", e4.ParamName);
        Assert.Contains("Received: axis=x", e4.Message, StringComparison.Ordinal);
        var e5 = Assert.ThrowsAny<ArgumentException>(() => Constraint.FromConfig(JsonNode.Parse("{\"class_name\":\"UnitNorm\",\"config\":{\"axis\":[0,1.5]}}")!));
        Assert.Equal("axis", e5.ParamName);
        var e6 = Assert.ThrowsAny<ArgumentException>(() => Constraint.FromConfig(JsonNode.Parse("{\"class_name\":\"MaxNorm\",\"config\":{\"max_value\":null}}")!));
        Assert.Equal("max_value", e6.ParamName);
        Assert.Contains("Received: max_value=None", e6.Message, StringComparison.Ordinal);
        var e7 = Assert.ThrowsAny<ArgumentException>(() => Constraint.FromConfig(JsonNode.Parse("{\"class_name\":\"NonNeg\",\"config\":{\"axis\":0}}")!));
        Assert.Equal("NonNeg.__init__() got an unexpected keyword argument 'axis'", e7.Message);
    }

    [Fact]
    public void Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => Constraint.Get(null!));
        Assert.Throws<ArgumentNullException>(() => Constraint.FromConfig(null!));
    }
}
