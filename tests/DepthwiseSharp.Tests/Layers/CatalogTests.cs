using DepthwiseSharp.Activations;
using DepthwiseSharp.Constraints;
using DepthwiseSharp.Initializers;
using DepthwiseSharp.Optimizers;
using DepthwiseSharp.Regularizers;
using DepthwiseSharp.Training;

namespace DepthwiseSharp.Tests.Layers;

/// <summary>
/// One catalog lookup style: each catalog lists its Keras names, <c>Get</c> takes each of them in any case, and an unknown
/// name is a <see cref="KerasArgumentException"/> with Keras's "Could not interpret ... identifier: X" text (SPEC section 2),
/// no .NET suffix, ParamName the Keras argument.
/// </summary>
public class CatalogTests
{
    public static TheoryData<string, string, string> Catalogs() => new()
    {
        { "activation", "Could not interpret activation function identifier: bogus", "activation" },
        { "initializer", "Could not interpret initializer identifier: bogus", "initializer" },
        { "regularizer", "Could not interpret regularizer identifier: bogus", "regularizer" },
        { "constraint", "Could not interpret constraint identifier: bogus", "constraint" },
        { "optimizer", "Could not interpret optimizer identifier: bogus", "optimizer" },
        { "loss", "Could not interpret loss identifier: bogus", "loss" },
    };

    private static (IReadOnlyList<string> Names, Func<string, object> Get) Catalog(string kind) => kind switch
    {
        "activation" => (Activation.Names, n => Activation.Get(n)),
        "initializer" => (Initializer.Names, n => Initializer.Get(n)),
        "regularizer" => (Regularizer.Names, n => Regularizer.Get(n)),
        "constraint" => (Constraint.Names, n => Constraint.Get(n)),
        "optimizer" => (Optimizer.Names, n => Optimizer.Get(n)),
        "loss" => (Loss.Names, n => Loss.Get(n)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Catalogs))]
    public void Every_catalog_takes_its_names_and_refuses_others_in_keras_words(string kind, string message, string param)
    {
        var (names, get) = Catalog(kind);
        Assert.NotEmpty(names);
        foreach (string name in names)
        {
            Assert.NotNull(get(name));
            Assert.NotNull(get(name.ToUpperInvariant()));
        }

        var e = Assert.Throws<KerasArgumentException>(() => get("bogus"));
        Assert.Equal(message, e.Message);
        Assert.Equal(param, e.ParamName);
    }

    [Fact]
    public void Layers_configs_optimizers_and_losses_throw_the_same_keras_worded_type()
    {
        // SPEC section 2's texts, each thrown as KerasArgumentException with no .NET suffix.
        Assert.Equal("Invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received depth_multiplier=0.",
            Assert.Throws<KerasArgumentException>(() => new DepthwiseSharp.Layers.DepthwiseConv1D(3, depthMultiplier: 0)).Message);
        Assert.StartsWith("Unrecognized keyword arguments passed to DepthwiseConv1D",
            Assert.Throws<KerasArgumentException>(() => DepthwiseSharp.Layers.DepthwiseConv1D.FromJson("{\"kernel_size\": 3, \"colour\": 1}")).Message);
        Assert.Equal("Argument `learning_rate` must be a positive finite float. Received: learning_rate=-1",
            Assert.Throws<KerasArgumentException>(() => Optimizer.Get("adam", -1)).Message);
        Assert.Throws<KerasArgumentException>(() => Loss.Get("mae"));
    }
}
