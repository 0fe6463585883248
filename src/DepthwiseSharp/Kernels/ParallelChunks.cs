using System.Runtime.CompilerServices;
namespace DepthwiseSharp.Kernels;

/// <summary>A unit of parallel work: chunk i of a job. Chunks must write disjoint outputs.</summary>
internal interface IChunkBody
{
    void Run(int chunk);
}

/// <summary>
/// Runs chunks 0..n-1 on the calling thread and up to (degree - 1) thread-pool workers, which take chunks from a shared
/// counter. Which thread runs a chunk never changes what a chunk computes, so results do not depend on the thread
/// count. Job objects are pooled: after warm-up a call allocates nothing.
/// </summary>
internal static class ParallelChunks
{
    /// <summary>The number of threads a call may use: <paramref name="maxDegree"/> when positive, else the processor count.</summary>
    public static int Degree(int maxDegree) => maxDegree > 0 ? Math.Min(maxDegree, Environment.ProcessorCount) : Environment.ProcessorCount;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(IChunkBody body, int chunks, int maxDegree)
    {
        int workers = Math.Min(chunks, Degree(maxDegree));
        if (workers <= 1)
        {
            for (int i = 0; i < chunks; i++)
            {
                body.Run(i);
            }

            return;
        }

        var job = JobPool<Job>.Rent();
        job.Start(body, chunks, workers - 1);
        for (int w = 1; w < workers; w++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(job, preferLocal: false);
        }

        Exception? failure = null;
        try
        {
            job.Work();
        }
        catch (Exception e)
        {
            failure = e;
        }

        // Helpers may still hold the job: it goes back to the pool only after every one of them has left it.
        job.WaitForHelpers();
        failure ??= job.TakeFailure();
        job.Clear();
        JobPool<Job>.Return(job);
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    private sealed class Job : IThreadPoolWorkItem
    {
        private readonly ManualResetEventSlim _helpersDone = new(false);
        private IChunkBody? _body;
        private int _chunks;
        private int _next;
        private int _pendingHelpers;
        private Exception? _failure;

        public void Start(IChunkBody body, int chunks, int helpers)
        {
            _body = body;
            _chunks = chunks;
            _next = 0;
            _failure = null;
            _pendingHelpers = helpers;
            _helpersDone.Reset();
        }

        public void Execute()
        {
            try
            {
                Work();
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            finally
            {
                if (Interlocked.Decrement(ref _pendingHelpers) == 0)
                {
                    _helpersDone.Set();
                }
            }
        }

        public void Work()
        {
            var body = _body!;
            int i;
            while ((i = Interlocked.Increment(ref _next) - 1) < _chunks)
            {
                body.Run(i);
            }
        }

        public void WaitForHelpers() => _helpersDone.Wait();

        public void Clear() => _body = null;

        public Exception? TakeFailure() => Interlocked.Exchange(ref _failure, null);
    }
}
