using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Initializers;

/// <summary>A Keras weight initializer: fills a weight of a given shape with its initial values.</summary>
/// <remarks>
/// <para>
/// The catalog follows Keras 3 (<c>keras.initializers</c>): <see cref="GlorotUniform"/> (the default for depthwise kernels),
/// <see cref="GlorotNormal"/>, <see cref="HeUniform"/>, <see cref="HeNormal"/>, <see cref="LecunUniform"/>,
/// <see cref="LecunNormal"/>, <see cref="VarianceScaling"/>, <see cref="RandomNormal"/>, <see cref="RandomUniform"/>,
/// <see cref="TruncatedNormal"/>, <see cref="Orthogonal"/>, <see cref="Zeros"/> (the default for biases),
/// <see cref="Ones"/>, <see cref="Constant"/> and <see cref="Identity"/>.
/// </para>
/// <para>
/// Fans of a shape (Keras's <c>compute_fans</c>): rank 0 gives (1, 1); rank 1 gives (n, n); rank 2 gives (rows, cols);
/// rank r &gt;= 3 gives receptive = shape[0] * ... * shape[r-3], fan_in = shape[r-2] * receptive,
/// fan_out = shape[r-1] * receptive. For the DepthwiseConv1D kernel (k, C, M): fan_in = k*C, fan_out = k*M.
/// </para>
/// <para>
/// Random initializers draw from the library's own generator (xoshiro256** seeded through SplitMix64, Marsaglia's polar
/// method for normals, computed with IEEE basic operations only): a given seed fills bit-identical values on every call,
/// run and machine. Values are computed in double and rounded to the element type. Instances are immutable, and
/// <see cref="Fill{T}"/> is thread-safe. The values are not those Keras draws for the same seed (Keras's differ per backend).
/// </para>
/// </remarks>
public abstract class Initializer : IKerasSerializable
{
    private static readonly Dictionary<string, string> CanonicalNames = BuildCanonicalNames();

    /// <summary>The Keras class name, for example <c>GlorotUniform</c>.</summary>
    /// <value>The name written as <c>class_name</c> by <see cref="Serialize"/>.</value>
    /// <remarks>Keras 3 and tf.keras use the same class names; <see cref="Get"/> also accepts the snake_case form.</remarks>
    public abstract string ClassName { get; }

    /// <summary>The Keras 3 <c>get_config()</c> dictionary of this initializer.</summary>
    /// <returns>A new JSON object, keys in Keras 3's order; numbers are written as Python writes them: floats as <c>0.0</c>, <c>0.05</c>,
    /// <c>1e-05</c> (<see cref="KerasFloat"/>), and a number read from a config as a Python int (<c>2</c>) stays an int.</returns>
    /// <remarks>An unseeded random initializer writes <c>"seed": null</c>, as Keras does, even though it drew a seed at construction.</remarks>
    public abstract JsonObject GetConfig();

    /// <summary>Fills <paramref name="destination"/> (row-major, of <paramref name="shape"/>) with initial values.</summary>
    /// <typeparam name="T">float, double or another IEEE floating-point type; values are computed in double and rounded to it.</typeparam>
    /// <param name="destination">The weight's storage; its length must equal the product of <paramref name="shape"/>.</param>
    /// <param name="shape">The weight's shape, every dimension &gt;= 0 (the DepthwiseConv1D kernel is (k, C, M)).</param>
    /// <exception cref="ArgumentException">A negative dimension, a length that does not match the shape, or a shape the initializer does not support (Identity: not 2-D; Orthogonal: rank &lt; 2).</exception>
    /// <remarks>Deterministic for a given instance: calling it twice with the same shape writes the same values.</remarks>
    public abstract void Fill<T>(Span<T> destination, ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Serializes to the Keras 4-key form with module <c>keras.initializers</c>.</summary>
    /// <returns>The JSON object <c>{"module": "keras.initializers", "class_name": ClassName, "config": GetConfig(), "registered_name": null}</c>.</returns>
    /// <remarks><see cref="FromConfig"/> reads it back: <c>FromConfig(x.Serialize()).Serialize()</c> equals <c>x.Serialize()</c>.</remarks>
    public JsonObject Serialize() => KerasObjects.Serialize("keras.initializers", this);

    /// <summary>A readable description, for example <c>GlorotUniform({"seed":null,"input_axes":null,"output_axes":null})</c>.</summary>
    /// <returns>The class name followed by the compact config JSON.</returns>
    /// <remarks>Formula: <c>ClassName + "(" + GetConfig().ToJsonString() + ")"</c>.</remarks>
    public override string ToString() => ClassName + "(" + GetConfig().ToJsonString() + ")";

    /// <summary>The Keras names <see cref="Get(string)"/> takes (snake_case; the class names and Keras's aliases are taken too).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "constant", "identity", "ones", "zeros", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_normal",
        "lecun_uniform", "orthogonal", "random_normal", "random_uniform", "truncated_normal", "variance_scaling",
    ];

    /// <summary>Looks up an initializer by Keras identifier (snake_case name or class name), case-insensitively, with default arguments.</summary>
    /// <param name="identifier">For example <c>glorot_uniform</c>, <c>GlorotUniform</c>, <c>he_normal</c>, <c>zeros</c>; the Keras aliases
    /// <c>normal</c> (random_normal), <c>uniform</c> (random_uniform), <c>zero</c>, <c>one</c>, <c>IdentityInitializer</c> and
    /// <c>OrthogonalInitializer</c> are accepted.</param>
    /// <returns>A new initializer; random ones are unseeded (each call returns an instance with its own seed).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="identifier"/> is null.</exception>
    /// <exception cref="KerasArgumentException">"Could not interpret initializer identifier: X" (ParamName <c>initializer</c>) for an
    /// unknown name.</exception>
    /// <remarks>Keras matches names case-sensitively; matching here ignores case, so <c>"GLOROT_UNIFORM"</c> is accepted too.</remarks>
    public static Initializer Get(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        return Create(Canonical(identifier), new JsonObject(), lenient: false);
    }

    /// <summary>Reads an initializer from a config node: a string identifier or a 4-key / 2-key Keras object.</summary>
    /// <param name="node">A JSON string (as <see cref="Get"/>), the Keras 3 / tf.keras 2.13+ form
    /// <c>{"module", "class_name", "config", "registered_name"}</c>, or the older tf.keras form <c>{"class_name", "config"}</c>;
    /// null is not accepted here (the layer maps null to its default).</param>
    /// <returns>A new initializer with the config's arguments.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="node"/> is null.</exception>
    /// <exception cref="ArgumentException">"Could not interpret initializer identifier: X" (ParamName <c>initializer</c>) for an unknown
    /// name or class or a node of another kind; a message naming the key and the value for a bad config value (wrong JSON type,
    /// negative stddev, scale &lt;= 0, unknown mode or distribution, minval &gt; maxval, a non-integer seed) or, in the 4-key form,
    /// a key the class does not take.</exception>
    /// <remarks>
    /// Both the Keras 3 config keys (for example <c>{"seed", "input_axes", "output_axes"}</c> for GlorotUniform) and the
    /// tf.keras ones (<c>{"seed"}</c>) are read; absent keys take their defaults. In the 2-key form, keys the class does not
    /// take (such as a legacy <c>dtype</c>) are ignored. <c>module</c> and <c>registered_name</c> are not checked.
    /// </remarks>
    public static Initializer FromConfig(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        KerasObjects.CheckWellFormed(node, "initializer");
        if (node is JsonValue value && value.TryGetValue(out string? identifier) && identifier is not null)
        {
            return Get(identifier);
        }

        if (!KerasObjects.TryUnwrap(node, out string className, out JsonObject config))
        {
            throw Unknown(PythonFormat.Describe(node));
        }

        bool lenient = node is JsonObject obj && !obj.ContainsKey("module");
        return Create(Canonical(className), config, lenient);
    }

    /// <summary>Computes (fan_in, fan_out) of a weight shape, as Keras's <c>compute_fans</c>.</summary>
    /// <param name="shape">The weight's shape.</param>
    /// <param name="inputAxes">Optional axes whose sizes multiply to fan_in (negative values count from the end).</param>
    /// <param name="outputAxes">Optional axes whose sizes multiply to fan_out; the axes are used only when both lists are given.</param>
    /// <returns>The pair (FanIn, FanOut).</returns>
    /// <exception cref="ArgumentException">An axis outside [-rank, rank).</exception>
    /// <remarks>
    /// With both axis lists: fan_in = prod(shape[a] for a in inputAxes), fan_out = prod(shape[a] for a in outputAxes).
    /// Otherwise: rank 0 -> (1, 1); rank 1 -> (n, n); rank 2 -> (shape[0], shape[1]); rank r &gt;= 3 ->
    /// receptive = prod(shape[0..r-2)), (shape[r-2] * receptive, shape[r-1] * receptive).
    /// </remarks>
    public static (long FanIn, long FanOut) ComputeFans(
        ReadOnlySpan<int> shape, IReadOnlyList<int>? inputAxes = null, IReadOnlyList<int>? outputAxes = null)
    {
        if (inputAxes is not null && outputAxes is not null)
        {
            return (AxesProduct(shape, inputAxes, "input_axes"), AxesProduct(shape, outputAxes, "output_axes"));
        }

        switch (shape.Length)
        {
            case 0:
                return (1, 1);
            case 1:
                return (shape[0], shape[0]);
            case 2:
                return (shape[0], shape[1]);
            default:
                long receptive = 1;
                for (int i = 0; i < shape.Length - 2; i++)
                {
                    receptive = checked(receptive * shape[i]);
                }

                return (checked(shape[^2] * receptive), checked(shape[^1] * receptive));
        }
    }

    private static long AxesProduct(ReadOnlySpan<int> shape, IReadOnlyList<int> axes, string name)
    {
        long product = 1;
        foreach (int axis in axes)
        {
            int a = axis < 0 ? axis + shape.Length : axis;
            if (a < 0 || a >= shape.Length)
            {
                throw new KerasArgumentException(
                    $"Invalid `{name}`: axis {axis} is out of range for shape={Shapes.Tuple(shape)} of rank {shape.Length}.", name);
            }

            product = checked(product * shape[a]);
        }

        return product;
    }

    private static KerasArgumentException Unknown(string identifier) =>
        new($"Could not interpret initializer identifier: {identifier}", "initializer");

    private static string Canonical(string identifier) =>
        CanonicalNames.TryGetValue(identifier, out string? name) ? name : throw Unknown(identifier);

    private static Dictionary<string, string> BuildCanonicalNames()
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        (string Class, string Snake)[] entries =
        [
            ("Constant", "constant"),
            ("Identity", "identity"),
            ("Ones", "ones"),
            ("Zeros", "zeros"),
            ("GlorotNormal", "glorot_normal"),
            ("GlorotUniform", "glorot_uniform"),
            ("HeNormal", "he_normal"),
            ("HeUniform", "he_uniform"),
            ("LecunNormal", "lecun_normal"),
            ("LecunUniform", "lecun_uniform"),
            ("Orthogonal", "orthogonal"),
            ("RandomNormal", "random_normal"),
            ("RandomUniform", "random_uniform"),
            ("TruncatedNormal", "truncated_normal"),
            ("VarianceScaling", "variance_scaling"),
        ];
        foreach (var (cls, snake) in entries)
        {
            map[cls] = cls;
            map[snake] = cls;
        }

        map["IdentityInitializer"] = "Identity";
        map["OrthogonalInitializer"] = "Orthogonal";
        map["normal"] = "RandomNormal";
        map["uniform"] = "RandomUniform";
        map["zero"] = "Zeros";
        map["one"] = "Ones";
        return map;
    }

    private static Initializer Create(string className, JsonObject config, bool lenient)
    {
        var r = new ConfigReader(className, config, lenient, tolerated: "dtype");
        Initializer result = className switch
        {
            "Zeros" => new Zeros(),
            "Ones" => new Ones(),
            "Constant" => new Constant(r.Number("value", 0.0)),
            "Identity" => new Identity(r.Number("gain", 1.0)),
            "GlorotUniform" => new GlorotUniform(r.Seed(), r.Axes("input_axes"), r.Axes("output_axes")),
            "GlorotNormal" => new GlorotNormal(r.Seed(), r.Axes("input_axes"), r.Axes("output_axes")),
            "HeUniform" => new HeUniform(r.Seed(), r.Axes("input_axes"), r.Axes("output_axes")),
            "HeNormal" => new HeNormal(r.Seed(), r.Axes("input_axes"), r.Axes("output_axes")),
            "LecunUniform" => new LecunUniform(r.Seed(), r.Axes("input_axes"), r.Axes("output_axes")),
            "LecunNormal" => new LecunNormal(r.Seed(), r.Axes("input_axes"), r.Axes("output_axes")),
            "VarianceScaling" => CreateVarianceScaling(r),
            "RandomNormal" => CreateRandomNormal(r),
            "TruncatedNormal" => CreateTruncatedNormal(r),
            "RandomUniform" => CreateRandomUniform(r),
            "Orthogonal" => CreateOrthogonal(r),
            _ => throw Unknown(className),
        };
        r.Finish();
        return result;
    }

    // Keyword arguments are read in the constructor's parameter order, so errors come in the order Keras would raise them.
    private static VarianceScaling CreateVarianceScaling(ConfigReader r)
    {
        KerasNumber scale = r.Number("scale", 1.0);
        string mode = r.String("mode", "fan_in");
        string distribution = r.String("distribution", "truncated_normal");
        long? seed = r.Seed();
        int[]? inputAxes = r.Axes("input_axes");
        int[]? outputAxes = r.Axes("output_axes");
        return new VarianceScaling(scale, mode, distribution, seed, inputAxes, outputAxes);
    }

    private static RandomNormal CreateRandomNormal(ConfigReader r)
    {
        KerasNumber mean = r.Number("mean", 0.0);
        KerasNumber stddev = r.Number("stddev", 0.05);
        return new RandomNormal(mean, stddev, r.Seed());
    }

    private static TruncatedNormal CreateTruncatedNormal(ConfigReader r)
    {
        KerasNumber mean = r.Number("mean", 0.0);
        KerasNumber stddev = r.Number("stddev", 0.05);
        return new TruncatedNormal(mean, stddev, r.Seed());
    }

    private static RandomUniform CreateRandomUniform(ConfigReader r)
    {
        KerasNumber minval = r.Number("minval", -0.05);
        KerasNumber maxval = r.Number("maxval", 0.05);
        return new RandomUniform(minval, maxval, r.Seed());
    }

    private static Orthogonal CreateOrthogonal(ConfigReader r)
    {
        KerasNumber gain = r.Number("gain", 1.0);
        return new Orthogonal(gain, r.Seed());
    }
}
