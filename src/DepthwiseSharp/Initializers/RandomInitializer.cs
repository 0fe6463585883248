namespace DepthwiseSharp.Initializers;

/// <summary>Base of the random initializers: holds the optional seed and the seed actually used.</summary>
/// <remarks>
/// <para>
/// Keras's <c>RandomInitializer</c>. With a seed, <see cref="Initializer.Fill{T}"/> writes the same values on every call,
/// run and machine (the stream is xoshiro256** seeded through SplitMix64 of the seed). Without one, a random seed is drawn
/// once at construction: the instance still fills the same values on every call, and a new instance fills different ones.
/// </para>
/// <para>The config writes <c>"seed": null</c> for an unseeded instance, as Keras does; <see cref="EffectiveSeed"/> tells the seed drawn.</para>
/// </remarks>
public abstract class RandomInitializer : Initializer
{
    /// <summary>Stores the seed, drawing one when <paramref name="seed"/> is null.</summary>
    /// <param name="seed">The seed, or null for a seed drawn now from the operating system's generator.</param>
    /// <remarks>EffectiveSeed = seed ?? a fresh random 64-bit value.</remarks>
    protected RandomInitializer(long? seed)
    {
        Seed = seed;
        EffectiveSeed = seed ?? InitializerHelpers.DrawSeed();
    }

    /// <summary>The seed given at construction (the config's <c>seed</c>), or null.</summary>
    /// <value>The configured seed; null for an unseeded instance.</value>
    /// <remarks>Written to the config as a JSON integer or <c>null</c>.</remarks>
    public long? Seed { get; }

    /// <summary>The seed this instance draws from: <see cref="Seed"/>, or the one drawn at construction.</summary>
    /// <value>The 64-bit seed of the random stream.</value>
    /// <remarks>Passing it as the seed of a new instance of the same class and arguments reproduces this instance's values.</remarks>
    public long EffectiveSeed { get; }
}
