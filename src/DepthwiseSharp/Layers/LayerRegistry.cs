using System.Text.Json;
using System.Text.Json.Nodes;

namespace DepthwiseSharp.Layers;

/// <summary>
/// The one map between Keras <c>class_name</c>s and DepthwiseSharp's layer types, as Keras's object registration
/// (<c>keras.saving.register_keras_serializable</c>) is for Keras: configs, Keras files (save and load), ONNX export and every
/// command of the <c>depthwise</c> tool find a layer class here, so a class one of them reads all of them read.
/// </summary>
/// <remarks>
/// Registered: <see cref="DepthwiseConv1D"/> (<c>"DepthwiseConv1D"</c>) and <see cref="CausalDepthwiseConv1D"/>
/// (<c>"CausalDepthwiseConv1D"</c>, registered name <c>depthwise_sharp&gt;CausalDepthwiseConv1D</c>). A Keras layer object is
/// matched by its <c>class_name</c> (or its <c>registered_name</c>); a bare config dictionary, which carries no class, is a
/// <see cref="DepthwiseConv1D"/> unless its <c>padding</c> is <c>"causal"</c>, which only the causal layer takes.
/// </remarks>
public static class LayerRegistry
{
    private static readonly Entry[] Entries =
    [
        new(DepthwiseConv1D.KerasClassName, null, typeof(DepthwiseConv1D), DepthwiseConv1D.FromConfig),
        new(CausalDepthwiseConv1D.KerasClassName, CausalDepthwiseConv1D.RegisteredName, typeof(CausalDepthwiseConv1D), CausalDepthwiseConv1D.FromConfig),
    ];

    /// <summary>The registered Keras class names.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = [.. Entries.Select(e => e.ClassName)];

    /// <summary>Whether a Keras class name (or registered name) is a layer DepthwiseSharp can build.</summary>
    /// <param name="className">A <c>class_name</c> or <c>registered_name</c>; null is false.</param>
    /// <returns>True for a registered class.</returns>
    public static bool Contains(string? className) => Find(className) is not null;

    /// <summary>The layer type of a Keras class name.</summary>
    /// <param name="className">A registered <c>class_name</c> or <c>registered_name</c>.</param>
    /// <returns>The type.</returns>
    /// <exception cref="ArgumentException">The class is not registered (the message lists those that are).</exception>
    public static Type TypeOf(string className) => (Find(className) ?? throw Unknown(className)).Type;

    /// <summary>The Keras class name of a layer type.</summary>
    /// <param name="layerType">A registered type (not a user subclass).</param>
    /// <returns>The <c>class_name</c>.</returns>
    /// <exception cref="ArgumentException">The type is not registered.</exception>
    public static string ClassNameOf(Type layerType)
    {
        ArgumentNullException.ThrowIfNull(layerType);
        return Entries.FirstOrDefault(e => e.Type == layerType)?.ClassName
            ?? throw new ArgumentException($"{layerType.Name} is not a registered layer class; registered: {string.Join(", ", ClassNames)}.", nameof(layerType));
    }

    /// <summary>
    /// Reads a layer of any registered class from its config: a Keras layer object (Keras 3 or tf.keras form) by its
    /// <c>class_name</c>, or a bare config dictionary (causal when its padding says so).
    /// </summary>
    /// <param name="config">The JSON.</param>
    /// <returns>A new layer of the registered type, built when the JSON carries an input shape.</returns>
    /// <exception cref="ArgumentException">An unregistered class (naming it), or an invalid config (naming the key).</exception>
    public static DepthwiseConv1D FromConfig(JsonNode config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return (Find(ClassNameIn(config) ?? DefaultClassFor(config)) ?? throw Unknown(ClassNameIn(config)!)).FromConfig(config);
    }

    /// <summary>The <c>class_name</c> a layer object carries, or null for a bare config (or a non-string class name).</summary>
    /// <param name="config">The JSON.</param>
    /// <returns>The class name or null.</returns>
    /// <exception cref="ArgumentException">The class name is not valid UTF-16 text (a lone surrogate escape).</exception>
    public static string? ClassNameIn(JsonNode config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config is JsonObject obj && obj["config"] is JsonObject && obj["class_name"] is JsonValue cls && cls.GetValueKind() == JsonValueKind.String)
        {
            try
            {
                return cls.GetValue<string>();
            }
            catch (InvalidOperationException e)
            {
                throw new ArgumentException($"The layer's class_name is not valid text: {e.Message}", "class_name", e);
            }
        }

        return null;
    }

    // A bare config names no class: padding "causal" is only the causal layer's (Keras's own layer refuses it).
    private static string DefaultClassFor(JsonNode config)
    {
        try
        {
            return config is JsonObject obj && obj["padding"] is JsonValue p && p.GetValueKind() == JsonValueKind.String
                && string.Equals(p.GetValue<string>(), "causal", StringComparison.OrdinalIgnoreCase)
                ? CausalDepthwiseConv1D.KerasClassName
                : DepthwiseConv1D.KerasClassName;
        }
        catch (InvalidOperationException)
        {
            // A key that is not valid UTF-16 (a lone surrogate escape): the config reader reports it.
            return DepthwiseConv1D.KerasClassName;
        }
    }

    private static Entry? Find(string? className) =>
        className is null ? null : Entries.FirstOrDefault(e => e.ClassName == className || e.RegisteredName == className);

    private static ArgumentException Unknown(string className) =>
        new($"Unknown layer: '{className}'. DepthwiseSharp can build these layer classes: {string.Join(", ", ClassNames)}.", "class_name");

    private sealed record Entry(string ClassName, string? RegisteredName, Type Type, Func<JsonNode, DepthwiseConv1D> FromConfig);
}
