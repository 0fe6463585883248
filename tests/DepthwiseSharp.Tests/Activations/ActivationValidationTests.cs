using DepthwiseSharp.Activations;
using static DepthwiseSharp.Tests.Activations.ActivationTestData;

namespace DepthwiseSharp.Tests.Activations;

public class ActivationValidationTests
{
    [Theory]
    [MemberData(nameof(AllNames), MemberType = typeof(ActivationTestData))]
    public void Wrong_output_length_names_the_span(string name)
    {
        var act = Activation.Get(name);
        int outLen = act.OutputLastAxisLength(8) * 2;
        var ex = Assert.ThrowsAny<ArgumentException>(() => act.Forward<double>(new double[16], new double[outLen + 1], 8));
        Assert.Equal("y", ex.ParamName);
    }

    [Theory]
    [MemberData(nameof(AllNames), MemberType = typeof(ActivationTestData))]
    public void Wrong_gradient_lengths_name_the_span(string name)
    {
        var act = Activation.Get(name);
        int outLen = act.OutputLastAxisLength(8) * 2;
        var z = new double[16];
        Assert.Equal("y", Assert.ThrowsAny<ArgumentException>(() => act.Backward<double>(z, new double[outLen - 1], new double[outLen], new double[16], 8)).ParamName);
        Assert.Equal("dy", Assert.ThrowsAny<ArgumentException>(() => act.Backward<double>(z, new double[outLen], new double[outLen + 2], new double[16], 8)).ParamName);
        Assert.Equal("dz", Assert.ThrowsAny<ArgumentException>(() => act.Backward<double>(z, new double[outLen], new double[outLen], new double[15], 8)).ParamName);
    }

    [Theory]
    [MemberData(nameof(AllNames), MemberType = typeof(ActivationTestData))]
    public void Last_axis_must_split_the_input_into_whole_rows(string name)
    {
        var act = Activation.Get(name);
        Assert.Equal("lastAxisLength", Assert.ThrowsAny<ArgumentException>(() => act.Forward<float>(new float[12], new float[12], 0)).ParamName);
        Assert.Equal("lastAxisLength", Assert.ThrowsAny<ArgumentException>(() => act.Forward<float>(new float[12], new float[12], -2)).ParamName);
        Assert.Equal("lastAxisLength", Assert.ThrowsAny<ArgumentException>(() => act.Forward<float>(new float[12], new float[6], 8)).ParamName);
        Assert.Equal("lastAxisLength", Assert.ThrowsAny<ArgumentException>(
            () => act.Backward<float>(new float[12], new float[12], new float[12], new float[12], 0)).ParamName);
    }

    [Theory]
    [MemberData(nameof(AllNames), MemberType = typeof(ActivationTestData))]
    public void Partly_overlapping_output_is_rejected(string name)
    {
        var act = Activation.Get(name);
        var buffer = new double[40];
        int outLen = act.OutputLastAxisLength(8) * 2;
        var ex = Assert.ThrowsAny<ArgumentException>(() => act.Forward<double>(buffer.AsSpan(0, 16), buffer.AsSpan(1, outLen), 8));
        Assert.Equal("y", ex.ParamName);
        var ex2 = Assert.ThrowsAny<ArgumentException>(
            () => act.Backward<double>(buffer.AsSpan(0, 16), new double[outLen], new double[outLen], buffer.AsSpan(2, 16), 8));
        Assert.Equal("dz", ex2.ParamName);
    }

    [Fact]
    public void Glu_gradient_must_not_overlap_the_halved_spans()
    {
        var buffer = new double[16];
        var ex = Assert.ThrowsAny<ArgumentException>(
            () => Activation.Glu.Backward<double>(new double[16], new double[8], buffer.AsSpan(0, 8), buffer, 8));
        Assert.Equal("dz", ex.ParamName);
    }

    [Fact]
    public void Other_element_types_are_not_supported()
    {
        Assert.Throws<NotSupportedException>(() => Activation.Relu.Forward<Half>(new Half[4], new Half[4], 4));
        Assert.Throws<NotSupportedException>(() => Activation.Softmax.Backward<Half>(new Half[4], new Half[4], new Half[4], new Half[4], 4));
    }

    [Fact]
    public void Calls_do_not_allocate()
    {
        var z = Cast<double>(Values(1000, 1));
        var zf = Cast<float>(Values(1000, 2));
        var y = new double[1000];
        var yf = new float[1000];
        var dz = new double[1000];
        var dzf = new float[1000];
        var all = Activation.Names.Select(Activation.Get).ToArray();
        void RunAll()
        {
            foreach (var act in all)
            {
                int lastAxis = 10;
                int outLen = 1000 / lastAxis * act.OutputLastAxisLength(lastAxis);
                act.Forward<double>(z, y.AsSpan(0, outLen), lastAxis);
                act.Backward<double>(z, y.AsSpan(0, outLen), y.AsSpan(0, outLen), dz, lastAxis);
                act.Forward<float>(zf, yf.AsSpan(0, outLen), lastAxis);
                act.Backward<float>(zf, yf.AsSpan(0, outLen), yf.AsSpan(0, outLen), dzf, lastAxis);
                if (act.OutputLastAxisLength(lastAxis) == lastAxis)
                {
                    act.Forward<double>(y, y, 1000);
                }
            }
        }

        RunAll();
        RunAll();

        // A per-call allocation shows in every round; the runtime's own one-off work (tier-up, type loading) in one at most.
        long fewest = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            RunAll();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - start);
        }

        long before = 0, after = fewest;
        // A Debug build of the library keeps locals alive and skips inlining, which can box; the promise is about Release.
        if (TestBuild.LibraryIsOptimized)
        {
            Assert.Equal(0, after - before);
        }
    }
}
