using BenchmarkDotNet.Attributes;
using DepthwiseSharp;

namespace DepthwiseSharp.Benchmarks;

/// <summary>Forward over the grid, both layouts, 1 and 2 threads, into preallocated buffers (the span-level operation).</summary>
[MemoryDiagnoser]
public class ForwardBenchmarks
{
    private float[] _x = [], _k = [], _b = [], _y = [];
    private Conv1DGeometry _g;

    public static IEnumerable<Shape> Shapes => Shape.Grid;

    [ParamsSource(nameof(Shapes))]
    public Shape Shape { get; set; } = Shape.Grid[0];

    [Params(DataFormat.ChannelsLast, DataFormat.ChannelsFirst)]
    public DataFormat Format { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _g = Shape.Geometry(Format);
        var rng = new Random(1);
        _x = Enumerable.Range(0, _g.InputCount).Select(_ => (float)rng.NextDouble()).ToArray();
        _k = Enumerable.Range(0, _g.KernelCount).Select(_ => (float)rng.NextDouble()).ToArray();
        _b = new float[_g.OutputChannels];
        _y = new float[_g.OutputCount];
    }

    [Benchmark]
    public void Forward() => DepthwiseConvolution.Forward<float>(_g, _x, _k, _b, _y, Threads);
}

/// <summary>The three gradients (input, kernel, bias) over the grid.</summary>
[MemoryDiagnoser]
public class BackwardBenchmarks
{
    private float[] _x = [], _k = [], _dz = [], _dx = [], _dk = [], _db = [];
    private Conv1DGeometry _g;

    public static IEnumerable<Shape> Shapes => Shape.Grid;

    [ParamsSource(nameof(Shapes))]
    public Shape Shape { get; set; } = Shape.Grid[0];

    [Params(DataFormat.ChannelsLast, DataFormat.ChannelsFirst)]
    public DataFormat Format { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _g = Shape.Geometry(Format);
        var rng = new Random(1);
        _x = Enumerable.Range(0, _g.InputCount).Select(_ => (float)rng.NextDouble()).ToArray();
        _k = Enumerable.Range(0, _g.KernelCount).Select(_ => (float)rng.NextDouble()).ToArray();
        _dz = Enumerable.Range(0, _g.OutputCount).Select(_ => (float)rng.NextDouble()).ToArray();
        _dx = new float[_g.InputCount];
        _dk = new float[_g.KernelCount];
        _db = new float[_g.OutputChannels];
    }

    [Benchmark]
    public void Backward()
    {
        DepthwiseConvolution.BackwardInput<float>(_g, _dz, _k, _dx, Threads);
        DepthwiseConvolution.BackwardKernel<float>(_g, _x, _dz, _dk, _db, Threads);
    }
}
