using System.Numerics;

namespace DepthwiseSharp.Activations;

/// <summary>
/// A Keras activation function, applied after the bias. Placeholder: the Activations helper replaces this file.
/// </summary>
public abstract class Activation
{
    /// <summary>The name Keras 3 serializes (for example <c>silu</c> for <c>swish</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The length of the last axis after the activation (differs from the input only for <c>glu</c>).</summary>
    /// <param name="lastAxisLength">The input's last-axis length.</param>
    /// <returns>The output's last-axis length.</returns>
    public virtual int OutputLastAxisLength(int lastAxisLength) => lastAxisLength;

    /// <summary>Computes <c>y = act(z)</c>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="z">The pre-activation, row-major, last axis contiguous.</param>
    /// <param name="y">The output.</param>
    /// <param name="lastAxisLength">The length of the last axis (softmax-like activations work along it).</param>
    public abstract void Forward<T>(ReadOnlySpan<T> z, Span<T> y, int lastAxisLength)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Computes <c>dz = dy * act'(z)</c> (a vector-Jacobian product along the last axis).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="z">The pre-activation.</param>
    /// <param name="y">The forward output for <paramref name="z"/>.</param>
    /// <param name="dy">The gradient with respect to y.</param>
    /// <param name="dz">The gradient with respect to z (written).</param>
    /// <param name="lastAxisLength">The length of the last axis of z.</param>
    public abstract void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dz, int lastAxisLength)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Looks up an activation by Keras identifier; null means <c>linear</c>.</summary>
    /// <param name="identifier">A Keras activation name.</param>
    /// <returns>The activation.</returns>
    /// <exception cref="ArgumentException">"Could not interpret activation function identifier: X".</exception>
    public static Activation Get(string? identifier) => throw new NotImplementedException();
}
