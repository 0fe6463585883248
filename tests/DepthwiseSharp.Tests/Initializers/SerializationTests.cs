using System.Text.Json.Nodes;
using DepthwiseSharp.Initializers;
using static DepthwiseSharp.Tests.Initializers.InitializerTestUtil;

namespace DepthwiseSharp.Tests.Initializers;

public class SerializationTests
{
    private static readonly Dictionary<string, Func<Initializer>> CatalogEntries = new()
    {
        { "GlorotUniform()", () => new GlorotUniform() },
        { "GlorotUniform(7)", () => new GlorotUniform(7) },
        { "GlorotUniform(axes)", () => new GlorotUniform(7, [0, 1], [2]) },
        { "GlorotNormal()", () => new GlorotNormal() },
        { "GlorotNormal(-3)", () => new GlorotNormal(-3) },
        { "HeUniform()", () => new HeUniform() },
        { "HeUniform(big seed)", () => new HeUniform(long.MaxValue) },
        { "HeNormal()", () => new HeNormal() },
        { "HeNormal(1)", () => new HeNormal(1) },
        { "LecunUniform()", () => new LecunUniform() },
        { "LecunNormal(axes)", () => new LecunNormal(null, [-2], [-1]) },
        { "VarianceScaling()", () => new VarianceScaling() },
        { "VarianceScaling(custom)", () => new VarianceScaling(2.5, "fan_avg", "uniform", 7, [0], [1]) },
        { "VarianceScaling(enum)", () => new VarianceScaling(0.1, VarianceScalingMode.FanOut, VarianceScalingDistribution.UntruncatedNormal) },
        { "RandomNormal()", () => new RandomNormal() },
        { "RandomNormal(custom)", () => new RandomNormal(0.5, 1e-5, 3) },
        { "TruncatedNormal()", () => new TruncatedNormal() },
        { "TruncatedNormal(custom)", () => new TruncatedNormal(-1, 2, 4) },
        { "RandomUniform()", () => new RandomUniform() },
        { "RandomUniform(custom)", () => new RandomUniform(1, 3, 5) },
        { "Zeros", () => new Zeros() },
        { "Ones", () => new Ones() },
        { "Constant()", () => new Constant() },
        { "Constant(3.25)", () => new Constant(3.25) },
        { "Constant(-1e-7)", () => new Constant(-1e-7) },
        { "Identity()", () => new Identity() },
        { "Identity(2)", () => new Identity(2) },
        { "Orthogonal()", () => new Orthogonal() },
        { "Orthogonal(custom)", () => new Orthogonal(1.5, 9) },
    };

    public static TheoryData<string> Catalog() => new(CatalogEntries.Keys);

    [Theory]
    [MemberData(nameof(Catalog))]
    public void Serialize_FromConfig_Serialize_is_identical(string label)
    {
        var init = CatalogEntries[label]();
        string first = init.Serialize().ToJsonString();

        var fromText = Initializer.FromConfig(JsonNode.Parse(first)!);
        Assert.Equal(init.GetType(), fromText.GetType());
        Assert.Equal(first, fromText.Serialize().ToJsonString());

        var fromNode = Initializer.FromConfig(init.Serialize());
        Assert.Equal(first, fromNode.Serialize().ToJsonString());

        // A seeded initializer read back fills the same values.
        if (init is RandomInitializer { Seed: not null })
        {
            Assert.Equal(FillDouble(init, 4, 3, 2), FillDouble(fromText, 4, 3, 2));
        }
    }

    // Keras 3 (3.15) writes these for the default arguments (json.dumps of serialize_keras_object).
    [Theory]
    [InlineData("glorot_uniform", """{"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}""")]
    [InlineData("glorot_normal", """{"module": "keras.initializers", "class_name": "GlorotNormal", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}""")]
    [InlineData("he_uniform", """{"module": "keras.initializers", "class_name": "HeUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}""")]
    [InlineData("he_normal", """{"module": "keras.initializers", "class_name": "HeNormal", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}""")]
    [InlineData("lecun_uniform", """{"module": "keras.initializers", "class_name": "LecunUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}""")]
    [InlineData("lecun_normal", """{"module": "keras.initializers", "class_name": "LecunNormal", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}""")]
    [InlineData("variance_scaling", """{"module": "keras.initializers", "class_name": "VarianceScaling", "config": {"seed": null, "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "input_axes": null, "output_axes": null}, "registered_name": null}""")]
    [InlineData("random_normal", """{"module": "keras.initializers", "class_name": "RandomNormal", "config": {"seed": null, "mean": 0.0, "stddev": 0.05}, "registered_name": null}""")]
    [InlineData("truncated_normal", """{"module": "keras.initializers", "class_name": "TruncatedNormal", "config": {"seed": null, "mean": 0.0, "stddev": 0.05}, "registered_name": null}""")]
    [InlineData("random_uniform", """{"module": "keras.initializers", "class_name": "RandomUniform", "config": {"seed": null, "minval": -0.05, "maxval": 0.05}, "registered_name": null}""")]
    [InlineData("zeros", """{"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}""")]
    [InlineData("ones", """{"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}""")]
    [InlineData("constant", """{"module": "keras.initializers", "class_name": "Constant", "config": {"value": 0.0}, "registered_name": null}""")]
    [InlineData("identity", """{"module": "keras.initializers", "class_name": "Identity", "config": {}, "registered_name": null}""")]
    [InlineData("orthogonal", """{"module": "keras.initializers", "class_name": "Orthogonal", "config": {"seed": null, "gain": 1.0}, "registered_name": null}""")]
    public void Defaults_serialize_to_the_keras3_text(string identifier, string keras)
    {
        // Parsing keeps the number text (0.0 stays 0.0), so the compact forms compare key order and number spelling.
        Assert.Equal(JsonNode.Parse(keras)!.ToJsonString(), Initializer.Get(identifier).Serialize().ToJsonString());
    }

    [Fact]
    public void Seeded_and_custom_configs_have_keras3_text()
    {
        Assert.Equal("""{"seed":42,"input_axes":null,"output_axes":null}""", new GlorotUniform(42).GetConfig().ToJsonString());
        Assert.Equal("""{"seed":1,"scale":2.0,"mode":"fan_avg","distribution":"uniform","input_axes":[0,1],"output_axes":[2]}""",
            new VarianceScaling(2, "fan_avg", "uniform", 1, [0, 1], [2]).GetConfig().ToJsonString());
        Assert.Equal("""{"seed":null,"scale":1.0,"mode":"fan_in","distribution":"truncated_normal","input_axes":null,"output_axes":null}""",
            new VarianceScaling(1.0, "FAN_IN", "Normal").GetConfig().ToJsonString());
        Assert.Equal("""{"seed":5,"mean":1e-05,"stddev":100.0}""", new RandomNormal(1e-5, 100, 5).GetConfig().ToJsonString());
        Assert.Equal("""{"value":-2.5}""", new Constant(-2.5).GetConfig().ToJsonString());
    }

    // Literal nested objects from shared/golden layer.json files: Keras 3, tf.keras 2.13+ (4-key, {"seed"}) and older tf.keras (2-key).
    [Theory]
    [InlineData("""{"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}""", "GlorotUniform")]
    [InlineData("""{"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}""", "GlorotUniform")]
    [InlineData("""{"class_name": "GlorotUniform", "config": {"seed": null}}""", "GlorotUniform")]
    [InlineData("""{"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}""", "Zeros")]
    [InlineData("""{"class_name": "Zeros", "config": {}}""", "Zeros")]
    public void Golden_forms_read(string json, string className)
    {
        var init = Initializer.FromConfig(JsonNode.Parse(json)!);
        Assert.Equal(className, init.ClassName);
        Assert.Equal(Initializer.Get(className).Serialize().ToJsonString(), init.Serialize().ToJsonString());
    }

    [Fact]
    public void TfKeras_two_key_forms_read_with_their_keys_and_legacy_extras()
    {
        var vs = Assert.IsType<VarianceScaling>(Initializer.FromConfig(JsonNode.Parse(
            """{"class_name": "VarianceScaling", "config": {"scale": 2.0, "mode": "fan_out", "distribution": "normal", "seed": 3}}""")!));
        Assert.Equal(2.0, vs.Scale);
        Assert.Equal(VarianceScalingMode.FanOut, vs.Mode);
        Assert.Equal(VarianceScalingDistribution.TruncatedNormal, vs.Distribution);
        Assert.Equal(3, vs.Seed);

        var rn = Assert.IsType<RandomNormal>(Initializer.FromConfig(JsonNode.Parse(
            """{"class_name": "RandomNormal", "config": {"mean": 1, "stddev": 0.5, "seed": null, "dtype": "float32"}}""")!));
        Assert.Equal((1.0, 0.5), (rn.Mean, rn.Stddev));
        Assert.Equal("""{"seed":null,"mean":1,"stddev":0.5}""", rn.GetConfig().ToJsonString()); // a Python int stays an int

        var ru = Assert.IsType<RandomUniform>(Initializer.FromConfig(JsonNode.Parse(
            """{"class_name": "RandomUniform", "config": {"minval": -1, "maxval": 1, "seed": 12, "dtype": "float32", "unknown_legacy": true}}""")!));
        Assert.Equal((-1.0, 1.0, 12L), (ru.Minval, ru.Maxval, ru.Seed!.Value));

        Assert.IsType<Orthogonal>(Initializer.FromConfig(JsonNode.Parse("""{"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": null}}""")!));
        Assert.IsType<Identity>(Initializer.FromConfig(JsonNode.Parse("""{"class_name": "Identity", "config": {"gain": 1.0}}""")!));
        Assert.IsType<Constant>(Initializer.FromConfig(JsonNode.Parse("""{"class_name": "Constant", "config": {"value": 0}}""")!));
        Assert.IsType<Zeros>(Initializer.FromConfig(JsonNode.Parse("""{"class_name": "Zeros"}""")!));
        Assert.IsType<HeNormal>(Initializer.FromConfig(JsonNode.Parse("""{"class_name": "HeNormal", "config": null}""")!));

        // A 4-key form may also carry dtype (tolerated) but not other keys.
        Assert.IsType<Ones>(Initializer.FromConfig(JsonNode.Parse("""{"module": "keras.initializers", "class_name": "Ones", "config": {"dtype": "float32"}, "registered_name": null}""")!));
    }

    [Fact]
    public void Numbers_read_from_configs_keep_their_python_type()
    {
        string[] configs =
        [
            """{"module": "keras.initializers", "class_name": "VarianceScaling", "config": {"seed": 3, "scale": 2, "mode": "fan_in", "distribution": "truncated_normal", "input_axes": null, "output_axes": null}, "registered_name": null}""",
            """{"module": "keras.initializers", "class_name": "RandomNormal", "config": {"seed": null, "mean": 0, "stddev": 1}, "registered_name": null}""",
            """{"module": "keras.initializers", "class_name": "RandomUniform", "config": {"seed": null, "minval": -1, "maxval": 1.5}, "registered_name": null}""",
            """{"module": "keras.initializers", "class_name": "Constant", "config": {"value": 3}, "registered_name": null}""",
            """{"module": "keras.initializers", "class_name": "Identity", "config": {"gain": 2}, "registered_name": null}""",
            """{"module": "keras.initializers", "class_name": "Orthogonal", "config": {"seed": null, "gain": 2.0}, "registered_name": null}""",
        ];
        foreach (string json in configs)
        {
            string compact = JsonNode.Parse(json)!.ToJsonString();
            Assert.Equal(compact, Initializer.FromConfig(JsonNode.Parse(json)!).Serialize().ToJsonString());
        }

        var vs = Assert.IsType<VarianceScaling>(Initializer.FromConfig(JsonNode.Parse(configs[0])!));
        Assert.Equal(2.0, vs.Scale);
        Assert.Equal("""{"seed":3,"scale":2.0,"mode":"fan_in","distribution":"truncated_normal","input_axes":null,"output_axes":null}""",
            new VarianceScaling(2, "fan_in", seed: 3).GetConfig().ToJsonString()); // a .NET double is a Python float
    }

    [Fact]
    public void Absent_keys_take_defaults()
    {
        var vs = Assert.IsType<VarianceScaling>(Initializer.FromConfig(JsonNode.Parse("""{"class_name": "VarianceScaling", "config": {}}""")!));
        Assert.Equal((1.0, VarianceScalingMode.FanIn, VarianceScalingDistribution.TruncatedNormal), (vs.Scale, vs.Mode, vs.Distribution));
        var c = Assert.IsType<Constant>(Initializer.FromConfig(JsonNode.Parse("""{"class_name": "Constant", "config": {}}""")!));
        Assert.Equal(0.0, c.Value);
    }

    [Theory]
    [InlineData("glorot_uniform", typeof(GlorotUniform))]
    [InlineData("GlorotUniform", typeof(GlorotUniform))]
    [InlineData("GLOROT_UNIFORM", typeof(GlorotUniform))]
    [InlineData("glorotuniform", typeof(GlorotUniform))]
    [InlineData("glorot_normal", typeof(GlorotNormal))]
    [InlineData("GlorotNormal", typeof(GlorotNormal))]
    [InlineData("he_uniform", typeof(HeUniform))]
    [InlineData("HeUniform", typeof(HeUniform))]
    [InlineData("he_normal", typeof(HeNormal))]
    [InlineData("HENORMAL", typeof(HeNormal))]
    [InlineData("lecun_uniform", typeof(LecunUniform))]
    [InlineData("LecunUniform", typeof(LecunUniform))]
    [InlineData("lecun_normal", typeof(LecunNormal))]
    [InlineData("LecunNormal", typeof(LecunNormal))]
    [InlineData("variance_scaling", typeof(VarianceScaling))]
    [InlineData("VarianceScaling", typeof(VarianceScaling))]
    [InlineData("random_normal", typeof(RandomNormal))]
    [InlineData("RandomNormal", typeof(RandomNormal))]
    [InlineData("normal", typeof(RandomNormal))]
    [InlineData("random_uniform", typeof(RandomUniform))]
    [InlineData("RandomUniform", typeof(RandomUniform))]
    [InlineData("uniform", typeof(RandomUniform))]
    [InlineData("Uniform", typeof(RandomUniform))]
    [InlineData("truncated_normal", typeof(TruncatedNormal))]
    [InlineData("TruncatedNormal", typeof(TruncatedNormal))]
    [InlineData("zeros", typeof(Zeros))]
    [InlineData("Zeros", typeof(Zeros))]
    [InlineData("zero", typeof(Zeros))]
    [InlineData("ones", typeof(Ones))]
    [InlineData("Ones", typeof(Ones))]
    [InlineData("one", typeof(Ones))]
    [InlineData("constant", typeof(Constant))]
    [InlineData("Constant", typeof(Constant))]
    [InlineData("identity", typeof(Identity))]
    [InlineData("Identity", typeof(Identity))]
    [InlineData("IdentityInitializer", typeof(Identity))]
    [InlineData("orthogonal", typeof(Orthogonal))]
    [InlineData("Orthogonal", typeof(Orthogonal))]
    [InlineData("OrthogonalInitializer", typeof(Orthogonal))]
    public void String_identifiers(string identifier, Type type)
    {
        Assert.IsType(type, Initializer.Get(identifier));
        Assert.IsType(type, Initializer.FromConfig(JsonValue.Create(identifier)));
        Assert.IsType(type, Initializer.FromConfig(new JsonObject { ["class_name"] = identifier, ["config"] = new JsonObject() }));
    }

    [Fact]
    public void Aliases_serialize_under_the_class_name()
    {
        Assert.Equal("RandomNormal", Initializer.Get("normal").Serialize()["class_name"]!.GetValue<string>());
        Assert.Equal("RandomUniform", Initializer.Get("uniform").ClassName);
        Assert.Equal("Zeros", Initializer.Get("zero").ClassName);
        Assert.Equal("Ones", Initializer.Get("one").ClassName);
    }

    [Theory]
    [InlineData("glorot")]
    [InlineData("")]
    [InlineData("glorot-uniform")]
    [InlineData("stft")]
    [InlineData("Initializer")]
    public void Unknown_identifiers_have_the_keras_message(string identifier)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Initializer.Get(identifier));
        Assert.Equal($"Could not interpret initializer identifier: {identifier}", e.Message);
        Assert.Equal("initializer", e.ParamName);

        e = Assert.ThrowsAny<ArgumentException>(() => Initializer.FromConfig(JsonValue.Create(identifier)));
        Assert.Equal($"Could not interpret initializer identifier: {identifier}", e.Message);
        Assert.Equal("initializer", e.ParamName);
    }

    [Fact]
    public void Unknown_classes_and_other_nodes_have_the_keras_message()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Initializer.FromConfig(JsonNode.Parse(
            """{"module": "keras.initializers", "class_name": "MyInit", "config": {}, "registered_name": "Custom>MyInit"}""")!));
        Assert.Equal("Could not interpret initializer identifier: MyInit", e.Message);
        Assert.Equal("initializer", e.ParamName);

        e = Assert.ThrowsAny<ArgumentException>(() => Initializer.FromConfig(JsonValue.Create(5)));
        Assert.Equal("Could not interpret initializer identifier: 5", e.Message);
        e = Assert.ThrowsAny<ArgumentException>(() => Initializer.FromConfig(JsonNode.Parse("""{"config": {}}""")!));
        Assert.StartsWith("Could not interpret initializer identifier: ", e.Message);
        e = Assert.ThrowsAny<ArgumentException>(() => Initializer.FromConfig(JsonNode.Parse("""{"class_name": "Zeros", "config": 3}""")!));
        Assert.StartsWith("Could not interpret initializer identifier: ", e.Message);
        Assert.ThrowsAny<ArgumentException>(() => Initializer.FromConfig(new JsonArray()));
        Assert.Throws<ArgumentNullException>(() => Initializer.FromConfig(null!));
        Assert.Throws<ArgumentNullException>(() => Initializer.Get(null!));
    }

    [Fact]
    public void Get_returns_new_instances_and_GetConfig_new_objects()
    {
        Assert.NotSame(Initializer.Get("zeros"), Initializer.Get("zeros"));
        var init = new RandomNormal(seed: 1);
        var config = init.GetConfig();
        config["mean"] = 7;
        Assert.Equal("""{"seed":1,"mean":0.0,"stddev":0.05}""", init.GetConfig().ToJsonString());
        Assert.Equal("""RandomNormal({"seed":1,"mean":0.0,"stddev":0.05})""", init.ToString());
    }
}
