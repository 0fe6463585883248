using DepthwiseSharp.Activations;

namespace DepthwiseSharp.Tests.Activations;

public class ActivationLookupTests
{
    [Fact]
    public void Names_lists_the_29_keras_names_in_spec_order()
    {
        Assert.Equal(ActivationReference.AllNames, Activation.Names);
        Assert.Equal(29, Activation.Names.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(ActivationTestData.AllNames), MemberType = typeof(ActivationTestData))]
    public void Name_round_trips_through_Get(string name)
    {
        var act = Activation.Get(name);
        Assert.Equal(name, act.Name);
        Assert.Same(act, Activation.Get(act.Name));
        Assert.Equal(name, act.ToString());
    }

    [Theory]
    [MemberData(nameof(ActivationTestData.AllNames), MemberType = typeof(ActivationTestData))]
    public void Lookup_ignores_case(string name)
    {
        Assert.Same(Activation.Get(name), Activation.Get(name.ToUpperInvariant()));
        Assert.Same(Activation.Get(name), Activation.Get(char.ToUpperInvariant(name[0]) + name[1..]));
    }

    [Theory]
    [InlineData("swish", "silu")]
    [InlineData("SWISH", "silu")]
    [InlineData("hard_swish", "hard_silu")]
    [InlineData("Hard_Swish", "hard_silu")]
    [InlineData("silu", "silu")]
    [InlineData("hard_silu", "hard_silu")]
    public void Aliases_resolve_to_the_serialized_name(string identifier, string name)
    {
        Assert.Equal(name, Activation.Get(identifier).Name);
        Assert.Same(Activation.Get(name), Activation.Get(identifier));
    }

    [Fact]
    public void Null_means_linear()
    {
        Assert.Same(Activation.Linear, Activation.Get(null));
        Assert.Equal("linear", Activation.Get(null).Name);
        Assert.True(Activation.TryGet(null, out var act));
        Assert.Same(Activation.Linear, act);
    }

    [Theory]
    [InlineData("")]
    [InlineData("relu ")]
    [InlineData("rectifier")]
    [InlineData("softmax2")]
    [InlineData("hard_swish_")]
    [InlineData("Swish!")]
    public void Unknown_identifier_is_the_keras_error(string identifier)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => Activation.Get(identifier));
        Assert.Equal($"Could not interpret activation function identifier: {identifier}", ex.Message);
        Assert.Equal("activation", ex.ParamName);
        Assert.False(Activation.TryGet(identifier, out var none));
        Assert.Null(none);
    }

    [Fact]
    public void Static_properties_are_the_registered_instances()
    {
        var pairs = new (Activation Act, string Name)[]
        {
            (Activation.Relu, "relu"), (Activation.Relu6, "relu6"), (Activation.LeakyRelu, "leaky_relu"),
            (Activation.Elu, "elu"), (Activation.Selu, "selu"), (Activation.Celu, "celu"),
            (Activation.Softplus, "softplus"), (Activation.Softsign, "softsign"), (Activation.Squareplus, "squareplus"),
            (Activation.SoftShrink, "soft_shrink"), (Activation.HardShrink, "hard_shrink"),
            (Activation.SparsePlus, "sparse_plus"), (Activation.Silu, "silu"), (Activation.Gelu, "gelu"),
            (Activation.Glu, "glu"), (Activation.Tanh, "tanh"), (Activation.TanhShrink, "tanh_shrink"),
            (Activation.Sigmoid, "sigmoid"), (Activation.SparseSigmoid, "sparse_sigmoid"),
            (Activation.Exponential, "exponential"), (Activation.HardSigmoid, "hard_sigmoid"),
            (Activation.HardSilu, "hard_silu"), (Activation.HardTanh, "hard_tanh"), (Activation.Linear, "linear"),
            (Activation.Mish, "mish"), (Activation.LogSigmoid, "log_sigmoid"), (Activation.Softmax, "softmax"),
            (Activation.LogSoftmax, "log_softmax"), (Activation.Sparsemax, "sparsemax"),
        };
        Assert.Equal(29, pairs.Length);
        foreach (var (act, name) in pairs)
        {
            Assert.Same(Activation.Get(name), act);
        }
    }

    [Theory]
    [MemberData(nameof(ActivationTestData.AllNames), MemberType = typeof(ActivationTestData))]
    public void Only_the_row_activations_are_not_elementwise(string name)
    {
        Assert.Equal(!ActivationReference.RowNames.Contains(name), Activation.Get(name).IsElementwise);
    }

    [Theory]
    [MemberData(nameof(ActivationTestData.AllNames), MemberType = typeof(ActivationTestData))]
    public void Output_last_axis_is_halved_only_by_glu(string name)
    {
        var act = Activation.Get(name);
        Assert.Equal(name == "glu" ? 4 : 8, act.OutputLastAxisLength(8));
        Assert.Equal(0, act.OutputLastAxisLength(0));
    }

    [Fact]
    public void Glu_rejects_an_odd_last_axis()
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => Activation.Glu.OutputLastAxisLength(5));
        Assert.StartsWith("axis size must be divisible by 2. Received:", ex.Message);
        Assert.Contains("5", ex.Message);
        Assert.Equal("lastAxisLength", ex.ParamName);
        Assert.ThrowsAny<ArgumentException>(() => Activation.Glu.Forward<double>(new double[10], new double[5], 5));
    }
}
