using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Initializers;

/// <summary>Keras's <c>VarianceScaling</c>: draws with a variance of scale / n, n taken from the weight's fans.</summary>
/// <remarks>
/// n = max(1, fan_in) for <c>fan_in</c>, max(1, fan_out) for <c>fan_out</c>, max(1, (fan_in + fan_out) / 2) for
/// <c>fan_avg</c> (fans as <see cref="Initializer.ComputeFans"/>). With s = scale / n: <c>truncated_normal</c> draws
/// N(0, stddev^2) with stddev = sqrt(s) / 0.87962566103423978, redrawing values beyond +-2 stddev (so the variance is s);
/// <c>untruncated_normal</c> draws N(0, s); <c>uniform</c> draws U[-limit, limit) with limit = sqrt(3 s).
/// Config (Keras 3 order): <c>{"seed", "scale", "mode", "distribution", "input_axes", "output_axes"}</c>.
/// </remarks>
public class VarianceScaling : RandomInitializer
{
    /// <summary>The standard deviation of a standard normal truncated to [-2, 2].</summary>
    private const double TruncatedStddevFactor = 0.87962566103423978;

    private readonly KerasNumber _scale;
    private readonly int[]? _inputAxes;
    private readonly int[]? _outputAxes;

    /// <summary>Creates a variance-scaling initializer.</summary>
    /// <param name="scale">The scaling factor, a positive finite number (default 1).</param>
    /// <param name="mode">Which fan n is taken from (default fan_in).</param>
    /// <param name="distribution">The distribution (default truncated normal).</param>
    /// <param name="seed">The seed; null draws one now (see <see cref="RandomInitializer"/>).</param>
    /// <param name="inputAxes">Optional axes whose sizes give fan_in; used only together with <paramref name="outputAxes"/>.</param>
    /// <param name="outputAxes">Optional axes whose sizes give fan_out; used only together with <paramref name="inputAxes"/>.</param>
    /// <exception cref="ArgumentException">"Argument `scale` must be positive float. Received: scale=0.0" (ParamName <c>scale</c>),
    /// or an undefined enum value.</exception>
    /// <remarks>Variance of the draws: scale / n (see the class remarks).</remarks>
    public VarianceScaling(
        double scale = 1.0,
        VarianceScalingMode mode = VarianceScalingMode.FanIn,
        VarianceScalingDistribution distribution = VarianceScalingDistribution.TruncatedNormal,
        long? seed = null,
        IReadOnlyList<int>? inputAxes = null,
        IReadOnlyList<int>? outputAxes = null)
        : this(KerasNumber.Float(scale), mode, distribution, seed, inputAxes, outputAxes)
    {
    }

    /// <summary>Creates a variance-scaling initializer from Keras's string arguments.</summary>
    /// <param name="scale">The scaling factor, a positive finite number.</param>
    /// <param name="mode"><c>"fan_in"</c>, <c>"fan_out"</c> or <c>"fan_avg"</c> (case-insensitive).</param>
    /// <param name="distribution"><c>"truncated_normal"</c> (also <c>"normal"</c>), <c>"untruncated_normal"</c> or <c>"uniform"</c> (case-insensitive).</param>
    /// <param name="seed">The seed; null draws one now.</param>
    /// <param name="inputAxes">Optional axes whose sizes give fan_in; used only together with <paramref name="outputAxes"/>.</param>
    /// <param name="outputAxes">Optional axes whose sizes give fan_out; used only together with <paramref name="inputAxes"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="mode"/> or <paramref name="distribution"/> is null.</exception>
    /// <exception cref="ArgumentException">"Argument `scale` must be positive float. Received: scale=...";
    /// "Invalid `mode` argument: X. Please use one of {'fan_in', 'fan_out', 'fan_avg'}";
    /// "Invalid `distribution` argument: X. Please use one of {'uniform', 'truncated_normal', 'untruncated_normal'}".</exception>
    /// <remarks>Variance of the draws: scale / n (see the class remarks).</remarks>
    public VarianceScaling(
        double scale,
        string mode,
        string distribution = "truncated_normal",
        long? seed = null,
        IReadOnlyList<int>? inputAxes = null,
        IReadOnlyList<int>? outputAxes = null)
        : this(KerasNumber.Float(scale), mode, distribution, seed, inputAxes, outputAxes)
    {
    }

    /// <summary>The string-argument constructor for a scale read from a config (keeps a Python int scale an int).</summary>
    internal VarianceScaling(
        KerasNumber scale, string mode, string distribution, long? seed, IReadOnlyList<int>? inputAxes, IReadOnlyList<int>? outputAxes)
        : this(CheckScale(scale), ParseMode(mode), ParseDistribution(distribution), seed, inputAxes, outputAxes)
    {
    }

    /// <summary>The constructor every other one ends in; checks in Keras's order: scale, mode, distribution.</summary>
    private protected VarianceScaling(
        KerasNumber scale,
        VarianceScalingMode mode,
        VarianceScalingDistribution distribution,
        long? seed,
        IReadOnlyList<int>? inputAxes,
        IReadOnlyList<int>? outputAxes)
        : base(seed)
    {
        CheckScale(scale);
        if (!Enum.IsDefined(mode))
        {
            throw new KerasArgumentException(
                $"Invalid `mode` argument: {mode}. Please use one of {{'fan_in', 'fan_out', 'fan_avg'}}", nameof(mode));
        }

        if (!Enum.IsDefined(distribution))
        {
            throw new KerasArgumentException(
                $"Invalid `distribution` argument: {distribution}. Please use one of {{'uniform', 'truncated_normal', 'untruncated_normal'}}",
                nameof(distribution));
        }

        _scale = scale;
        Mode = mode;
        Distribution = distribution;
        _inputAxes = inputAxes?.ToArray();
        _outputAxes = outputAxes?.ToArray();
    }

    /// <summary>The scaling factor.</summary>
    /// <value>A positive finite number.</value>
    /// <remarks>The draws have variance Scale / n.</remarks>
    public double Scale => _scale.Value;

    /// <summary>Which fan n is taken from.</summary>
    /// <value>FanIn, FanOut or FanAvg.</value>
    /// <remarks>n = max(1, fan) with fan_avg = (fan_in + fan_out) / 2.</remarks>
    public VarianceScalingMode Mode { get; }

    /// <summary>The distribution drawn from.</summary>
    /// <value>TruncatedNormal, UntruncatedNormal or Uniform.</value>
    /// <remarks>See <see cref="VarianceScalingDistribution"/> for the formulas.</remarks>
    public VarianceScalingDistribution Distribution { get; }

    /// <summary>The axes that give fan_in, or null.</summary>
    /// <value>A read-only view of a copy of the list given at construction.</value>
    /// <remarks>fan_in = prod(shape[a] for a in InputAxes) when both axis lists are set.</remarks>
    public IReadOnlyList<int>? InputAxes => _inputAxes is null ? null : Array.AsReadOnly(_inputAxes);

    /// <summary>The axes that give fan_out, or null.</summary>
    /// <value>A read-only view of a copy of the list given at construction.</value>
    /// <remarks>fan_out = prod(shape[a] for a in OutputAxes) when both axis lists are set.</remarks>
    public IReadOnlyList<int>? OutputAxes => _outputAxes is null ? null : Array.AsReadOnly(_outputAxes);

    /// <summary>The Keras name of <see cref="Mode"/>.</summary>
    /// <value><c>"fan_in"</c>, <c>"fan_out"</c> or <c>"fan_avg"</c>.</value>
    /// <remarks>Written as the config's <c>mode</c>.</remarks>
    public string ModeName => Mode switch
    {
        VarianceScalingMode.FanIn => "fan_in",
        VarianceScalingMode.FanOut => "fan_out",
        _ => "fan_avg",
    };

    /// <summary>The Keras name of <see cref="Distribution"/>.</summary>
    /// <value><c>"truncated_normal"</c>, <c>"untruncated_normal"</c> or <c>"uniform"</c>.</value>
    /// <remarks>Written as the config's <c>distribution</c>.</remarks>
    public string DistributionName => Distribution switch
    {
        VarianceScalingDistribution.TruncatedNormal => "truncated_normal",
        VarianceScalingDistribution.UntruncatedNormal => "untruncated_normal",
        _ => "uniform",
    };

    /// <summary>The Keras class name.</summary>
    /// <value><c>VarianceScaling</c>.</value>
    /// <remarks>The named subclasses (GlorotUniform, HeNormal, ...) return their own names.</remarks>
    public override string ClassName => "VarianceScaling";

    /// <summary>The Keras 3 config.</summary>
    /// <returns><c>{"seed", "scale", "mode", "distribution", "input_axes", "output_axes"}</c>, in that order.</returns>
    /// <remarks>For the defaults: <c>{"seed": null, "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "input_axes": null, "output_axes": null}</c>.</remarks>
    public override JsonObject GetConfig() => new()
    {
        ["seed"] = InitializerHelpers.SeedNode(Seed),
        ["scale"] = _scale.ToJson(),
        ["mode"] = ModeName,
        ["distribution"] = DistributionName,
        ["input_axes"] = InitializerHelpers.AxesNode(_inputAxes),
        ["output_axes"] = InitializerHelpers.AxesNode(_outputAxes),
    };

    /// <summary>Fills with draws of variance scale / n.</summary>
    /// <typeparam name="T">The element type; values are computed in double and rounded to it.</typeparam>
    /// <param name="destination">The weight's storage, prod(shape) elements.</param>
    /// <param name="shape">The weight's shape; its fans give n.</param>
    /// <exception cref="ArgumentException">A negative dimension, a length mismatch or an axis out of range.</exception>
    /// <remarks>s = scale / n; truncated: stddev = sqrt(s) / 0.87962566103423978 within +-2 stddev; untruncated: stddev = sqrt(s);
    /// uniform: U[-sqrt(3 s), sqrt(3 s)).</remarks>
    public override void Fill<T>(Span<T> destination, ReadOnlySpan<int> shape)
    {
        InitializerHelpers.ValidateFill(destination.Length, shape);
        var (fanIn, fanOut) = ComputeFans(shape, _inputAxes, _outputAxes);
        double n = Mode switch
        {
            VarianceScalingMode.FanIn => Math.Max(1.0, fanIn),
            VarianceScalingMode.FanOut => Math.Max(1.0, fanOut),
            _ => Math.Max(1.0, (fanIn + fanOut) / 2.0),
        };
        double s = Scale / n;
        switch (Distribution)
        {
            case VarianceScalingDistribution.TruncatedNormal:
                InitializerHelpers.FillTruncatedNormal(destination, EffectiveSeed, 0.0, Math.Sqrt(s) / TruncatedStddevFactor);
                break;
            case VarianceScalingDistribution.UntruncatedNormal:
                InitializerHelpers.FillNormal(destination, EffectiveSeed, 0.0, Math.Sqrt(s));
                break;
            default:
                double limit = Math.Sqrt(3.0 * s);
                InitializerHelpers.FillUniform(destination, EffectiveSeed, -limit, limit);
                break;
        }
    }

    /// <summary>The config of the named subclasses: <c>{"seed", "input_axes", "output_axes"}</c>.</summary>
    private protected JsonObject NamedConfig() => new()
    {
        ["seed"] = InitializerHelpers.SeedNode(Seed),
        ["input_axes"] = InitializerHelpers.AxesNode(_inputAxes),
        ["output_axes"] = InitializerHelpers.AxesNode(_outputAxes),
    };

    private static KerasNumber CheckScale(KerasNumber scale)
    {
        if (!(scale.Value > 0.0) || double.IsInfinity(scale.Value))
        {
            throw new KerasArgumentException($"Argument `scale` must be positive float. Received: scale={scale}", "scale");
        }

        return scale;
    }

    private static VarianceScalingMode ParseMode(string mode)
    {
        ArgumentNullException.ThrowIfNull(mode);
        return mode.ToLowerInvariant() switch
        {
            "fan_in" => VarianceScalingMode.FanIn,
            "fan_out" => VarianceScalingMode.FanOut,
            "fan_avg" => VarianceScalingMode.FanAvg,
            _ => throw new KerasArgumentException(
                $"Invalid `mode` argument: {mode}. Please use one of {{'fan_in', 'fan_out', 'fan_avg'}}", nameof(mode)),
        };
    }

    private static VarianceScalingDistribution ParseDistribution(string distribution)
    {
        ArgumentNullException.ThrowIfNull(distribution);
        return distribution.ToLowerInvariant() switch
        {
            "truncated_normal" or "normal" => VarianceScalingDistribution.TruncatedNormal,
            "untruncated_normal" => VarianceScalingDistribution.UntruncatedNormal,
            "uniform" => VarianceScalingDistribution.Uniform,
            _ => throw new KerasArgumentException(
                $"Invalid `distribution` argument: {distribution.ToLowerInvariant()}. Please use one of {{'uniform', 'truncated_normal', 'untruncated_normal'}}",
                nameof(distribution)),
        };
    }
}
