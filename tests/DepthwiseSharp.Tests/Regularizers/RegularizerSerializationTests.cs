using System.Text.Json.Nodes;
using DepthwiseSharp.Regularizers;

namespace DepthwiseSharp.Tests.Regularizers;

public class RegularizerSerializationTests
{
    [Fact]
    public void Defaults_WriteKeras3Json()
    {
        Assert.Equal(
            "{\"module\":\"keras.regularizers\",\"class_name\":\"L2\",\"config\":{\"l2\":0.01},\"registered_name\":null}",
            new L2().Serialize().ToJsonString());
        Assert.Equal(
            "{\"module\":\"keras.regularizers\",\"class_name\":\"L1\",\"config\":{\"l1\":0.01},\"registered_name\":null}",
            new L1().Serialize().ToJsonString());
        Assert.Equal(
            "{\"module\":\"keras.regularizers\",\"class_name\":\"L1L2\",\"config\":{\"l1\":0.0,\"l2\":0.0},\"registered_name\":null}",
            new L1L2().Serialize().ToJsonString());
        Assert.Equal(
            "{\"module\":\"keras.regularizers\",\"class_name\":\"OrthogonalRegularizer\",\"config\":{\"factor\":0.01,\"mode\":\"rows\"},\"registered_name\":null}",
            new OrthogonalRegularizer().Serialize().ToJsonString());
    }

    public static TheoryData<string> RoundTripCases => new()
    {
        "{\"module\":\"keras.regularizers\",\"class_name\":\"L2\",\"config\":{\"l2\":0.01},\"registered_name\":null}",
        "{\"module\":\"keras.regularizers\",\"class_name\":\"L1\",\"config\":{\"l1\":0.001},\"registered_name\":null}",
        "{\"module\":\"keras.regularizers\",\"class_name\":\"L1L2\",\"config\":{\"l1\":0.001,\"l2\":0.01},\"registered_name\":null}",
        "{\"module\":\"keras.regularizers\",\"class_name\":\"L2\",\"config\":{\"l2\":0.009999999776482582},\"registered_name\":null}",
        "{\"module\":\"keras.regularizers\",\"class_name\":\"L2\",\"config\":{\"l2\":1e-05},\"registered_name\":null}",
        "{\"module\":\"keras.regularizers\",\"class_name\":\"L2\",\"config\":{\"l2\":3.0},\"registered_name\":null}",
        "{\"module\":\"keras.regularizers\",\"class_name\":\"OrthogonalRegularizer\",\"config\":{\"factor\":0.5,\"mode\":\"columns\"},\"registered_name\":null}",
    };

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void SerializeFromConfigSerialize_IsIdentical(string json)
    {
        Regularizer r = Regularizer.FromConfig(JsonNode.Parse(json)!);
        string once = r.Serialize().ToJsonString();
        Assert.Equal(json, once);
        Assert.Equal(once, Regularizer.FromConfig(JsonNode.Parse(once)!).Serialize().ToJsonString());

        // Also without going through text.
        Assert.Equal(once, Regularizer.FromConfig(r.Serialize()).Serialize().ToJsonString());
    }

    [Fact]
    public void AllConstructedInstances_RoundTrip()
    {
        Regularizer[] all = [new L1(0.25), new L2(1e-7), new L1L2(0.1 + 0.2, 2.0), new OrthogonalRegularizer(1e16, "columns")];
        foreach (Regularizer r in all)
        {
            string once = r.Serialize().ToJsonString();
            string twice = Regularizer.FromConfig(JsonNode.Parse(once)!).Serialize().ToJsonString();
            Assert.Equal(once, twice);
        }
    }

    [Fact]
    public void TwoKeyForm_Reads()
    {
        var r = Assert.IsType<L2>(Regularizer.FromConfig(JsonNode.Parse("{\"class_name\":\"L2\",\"config\":{\"l2\":0.01}}")!));
        Assert.Equal(0.01, r.L2Factor);
        var r2 = Assert.IsType<L1L2>(Regularizer.FromConfig(JsonNode.Parse("{\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.0, \"l2\": 0.009999999776482582}}")!));
        Assert.Equal(0.0, r2.L1Factor);
        Assert.Equal(0.009999999776482582, r2.L2Factor);
    }

    [Fact]
    public void MissingAndNullKeys_TakeKerasDefaults()
    {
        Assert.Equal(0.01, Assert.IsType<L2>(Regularizer.FromConfig(JsonNode.Parse("{\"class_name\":\"L2\",\"config\":{}}")!)).L2Factor);
        Assert.Equal(0.01, Assert.IsType<L1>(Regularizer.FromConfig(JsonNode.Parse("{\"class_name\":\"L1\",\"config\":{\"l1\":null}}")!)).L1Factor);
        Assert.Equal(0.01, Assert.IsType<L2>(Regularizer.FromConfig(JsonNode.Parse("{\"class_name\":\"L2\"}")!)).L2Factor);
        var l1l2 = Assert.IsType<L1L2>(Regularizer.FromConfig(JsonNode.Parse("{\"class_name\":\"L1L2\",\"config\":{\"l2\":null}}")!));
        Assert.Equal(0.0, l1l2.L1Factor);
        Assert.Equal(0.0, l1l2.L2Factor);
        var o = Assert.IsType<OrthogonalRegularizer>(Regularizer.FromConfig(JsonNode.Parse("{\"class_name\":\"OrthogonalRegularizer\",\"config\":{}}")!));
        Assert.Equal(0.01, o.Factor);
        Assert.Equal("rows", o.Mode);
    }

    [Fact]
    public void IntegerFactor_IsWrittenAsFloat()
    {
        // Keras: float(l2) -> 1.0
        Regularizer r = Regularizer.FromConfig(JsonNode.Parse("{\"class_name\":\"L2\",\"config\":{\"l2\":1}}")!);
        Assert.Equal("{\"l2\":1.0}", r.GetConfig().ToJsonString());
    }

    [Fact]
    public void BadConfigValues_KerasMessages()
    {
        var e1 = Assert.ThrowsAny<ArgumentException>(() => Regularizer.FromConfig(JsonNode.Parse("{\"class_name\":\"L2\",\"config\":{\"l2\":-1}}")!));
        Assert.Equal("Invalid value for argument l2: expected a non-negative float.Received: l2=-1", e1.Message);
        var e2 = Assert.ThrowsAny<ArgumentException>(() => Regularizer.FromConfig(JsonNode.Parse("{\"class_name\":\"L1\",\"config\":{\"l1\":\"abc\"}}")!));
        Assert.Equal("Invalid value for argument l1: expected a non-negative float.Received: l1=abc", e2.Message);
        var e3 = Assert.ThrowsAny<ArgumentException>(() => Regularizer.FromConfig(JsonNode.Parse("{\"class_name\":\"OrthogonalRegularizer\",\"config\":{\"factor\":null}}")!));
        Assert.Equal("Invalid value for argument factor: expected a non-negative float.Received: factor=None", e3.Message);
        var e4 = Assert.ThrowsAny<ArgumentException>(() => Regularizer.FromConfig(JsonNode.Parse("{\"class_name\":\"L2\",\"config\":{\"l\":0.01}}")!));
        Assert.Equal("L2.__init__() got an unexpected keyword argument 'l'", e4.Message);
        var e5 = Assert.ThrowsAny<ArgumentException>(() => Regularizer.FromConfig(JsonNode.Parse("{\"class_name\":\"OrthogonalRegularizer\",\"config\":{\"mode\":\"diag\"}}")!));
        Assert.Equal("Invalid value for argument `mode`. Expected one of {\"rows\", \"columns\"}. Received: mode=diag", e5.Message);
    }

    [Theory]
    [InlineData("l1", "L1", 0.01, 0.0)]
    [InlineData("L1", "L1", 0.01, 0.0)]
    [InlineData("l2", "L2", 0.0, 0.01)]
    [InlineData("L2", "L2", 0.0, 0.01)]
    [InlineData("l1_l2", "L1L2", 0.01, 0.01)]
    [InlineData("L1_L2", "L1L2", 0.01, 0.01)]
    [InlineData("L1L2", "L1L2", 0.0, 0.0)]
    [InlineData("l1l2", "L1L2", 0.0, 0.0)]
    public void Identifiers_LpFamily(string id, string className, double l1, double l2)
    {
        foreach (Regularizer r in new[] { Regularizer.Get(id), Regularizer.FromConfig(JsonValue.Create(id)) })
        {
            Assert.Equal(className, r.ClassName);
            switch (r)
            {
                case L1 a:
                    Assert.Equal(l1, a.L1Factor);
                    break;
                case L2 b:
                    Assert.Equal(l2, b.L2Factor);
                    break;
                case L1L2 c:
                    Assert.Equal(l1, c.L1Factor);
                    Assert.Equal(l2, c.L2Factor);
                    break;
                default:
                    Assert.Fail(r.GetType().Name);
                    break;
            }
        }
    }

    [Theory]
    [InlineData("orthogonal_regularizer")]
    [InlineData("OrthogonalRegularizer")]
    [InlineData("ORTHOGONAL_REGULARIZER")]
    public void Identifiers_Orthogonal(string id)
    {
        var r = Assert.IsType<OrthogonalRegularizer>(Regularizer.Get(id));
        Assert.Equal(0.01, r.Factor);
        Assert.Equal("rows", r.Mode);
    }

    [Fact]
    public void L1L2ShortcutAsString_SerializesWithFactors()
    {
        Assert.Equal(
            "{\"module\":\"keras.regularizers\",\"class_name\":\"L1L2\",\"config\":{\"l1\":0.01,\"l2\":0.01},\"registered_name\":null}",
            Regularizer.Get("l1_l2").Serialize().ToJsonString());
    }

    [Theory]
    [InlineData("l3")]
    [InlineData("")]
    [InlineData("max_norm")]
    [InlineData("regularizer")]
    public void UnknownIdentifier_ExactMessage(string id)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => Regularizer.Get(id));
        Assert.Equal($"Could not interpret regularizer identifier: {id}", ex.Message);
        Assert.Equal("regularizer", ex.ParamName);
        var ex2 = Assert.ThrowsAny<ArgumentException>(() => Regularizer.FromConfig(JsonValue.Create(id)));
        Assert.Equal($"Could not interpret regularizer identifier: {id}", ex2.Message);
    }

    [Fact]
    public void UnknownObject_ExactMessage()
    {
        const string json = "{\"class_name\":\"Foo\",\"config\":{}}";
        var ex = Assert.ThrowsAny<ArgumentException>(() => Regularizer.FromConfig(JsonNode.Parse(json)!));
        Assert.Equal($"Could not interpret regularizer identifier: {json}", ex.Message);
        Assert.Equal("regularizer", ex.ParamName);
        var ex2 = Assert.ThrowsAny<ArgumentException>(() => Regularizer.FromConfig(JsonValue.Create(5)));
        Assert.Equal("Could not interpret regularizer identifier: 5", ex2.Message);
    }

    [Fact]
    public void Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => Regularizer.Get(null!));
        Assert.Throws<ArgumentNullException>(() => Regularizer.FromConfig(null!));
    }
}
