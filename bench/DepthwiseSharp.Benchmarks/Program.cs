using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/DepthwiseSharp.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(DepthwiseSharp.Benchmarks.ForwardBenchmarks).Assembly).Run(args);
