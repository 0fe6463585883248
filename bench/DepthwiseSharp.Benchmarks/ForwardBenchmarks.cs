using BenchmarkDotNet.Attributes;
using DepthwiseSharp;

namespace DepthwiseSharp.Benchmarks;

/// <summary>The parameters every benchmark runs over: each grid shape, both layouts, 1 and 2 threads.</summary>
[MemoryDiagnoser]
public abstract class GridBenchmark
{
    public static IEnumerable<Shape> Shapes => Shape.Grid;

    [ParamsSource(nameof(Shapes))]
    public Shape Shape { get; set; } = Shape.Grid[0];

    [Params(DataFormat.ChannelsLast, DataFormat.ChannelsFirst)]
    public DataFormat Format { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    protected Conv1DGeometry G { get; private set; }

    protected float[] X { get; private set; } = [];

    protected float[] K { get; private set; } = [];

    /// <summary>Sets the geometry, a random input and kernel; derived setups add their own buffers.</summary>
    protected void SetupGrid()
    {
        G = Shape.Geometry(Format);
        var rng = new Random(1);
        X = Random(G.InputCount, rng);
        K = Random(G.KernelCount, rng);
    }

    protected static float[] Random(int n, Random rng) => Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
}

/// <summary>Forward over the grid into preallocated buffers (the span-level operation).</summary>
public class ForwardBenchmarks : GridBenchmark
{
    private float[] _b = [], _y = [];

    [GlobalSetup]
    public void Setup()
    {
        SetupGrid();
        _b = new float[G.OutputChannels];
        _y = new float[G.OutputCount];
    }

    [Benchmark]
    public void Forward() => DepthwiseConvolution.Forward<float>(G, X, K, _b, _y, Threads);
}

/// <summary>The three gradients (input, kernel, bias) over the grid.</summary>
public class BackwardBenchmarks : GridBenchmark
{
    private float[] _dz = [], _dx = [], _dk = [], _db = [];

    [GlobalSetup]
    public void Setup()
    {
        SetupGrid();
        _dz = Random(G.OutputCount, new Random(2));
        _dx = new float[G.InputCount];
        _dk = new float[G.KernelCount];
        _db = new float[G.OutputChannels];
    }

    [Benchmark]
    public void Backward()
    {
        DepthwiseConvolution.BackwardInput<float>(G, _dz, K, _dx, Threads);
        DepthwiseConvolution.BackwardKernel<float>(G, X, _dz, _dk, _db, Threads);
    }
}
