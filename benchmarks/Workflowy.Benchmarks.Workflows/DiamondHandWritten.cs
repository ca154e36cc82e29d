using System.Threading.Tasks;

namespace Workflowy.Benchmarks.Workflows;

/// <summary>The <see cref="DiamondWorkflow"/> graph hand-written with <c>async</c>/<c>await</c> and <see cref="Task.WhenAll{TResult}(Task{TResult}[])"/>.</summary>
public static class DiamondHandWritten
{
    /// <summary>
    /// Layer by layer, the tasks of a layer started together and joined with <see cref="Task.WhenAll{TResult}(Task{TResult}[])"/>;
    /// synchronous bodies go to the thread pool with <see cref="Task.Run{TResult}(System.Func{TResult})"/>, so they can run in
    /// parallel as the workflow's do.
    /// </summary>
    public static async Task<int> ParallelAsync(DiamondWorkflow w, int seed)
    {
        var a = await Task.Run(() => w.A(seed)).ConfigureAwait(false);
        var b = await Task.WhenAll(Task.Run(() => w.B1(a)), Task.Run(() => w.B2(a))).ConfigureAwait(false);
        var (b1, b2) = (b[0], b[1]);
        var c = await Task.WhenAll(
            Task.Run(() => w.C1(b1, b2)),
            w.C2(b1, b2),
            Task.Run(() => w.C3(b1, b2)),
            Task.Run(() => w.C4(b1, b2))).ConfigureAwait(false);
        var d = await Task.WhenAll(
            Task.Run(() => w.D1(c[0], c[1], c[2], c[3])),
            Task.Run(() => w.D2(c[0], c[1], c[2], c[3]))).ConfigureAwait(false);
        return await Task.Run(() => w.E(d[0], d[1])).ConfigureAwait(false);
    }

    /// <summary>
    /// The same with synchronous bodies called inline (no parallelism between them): only the asynchronous task is
    /// awaited, joined with <see cref="Task.WhenAll{TResult}(Task{TResult}[])"/>. The cheapest correct hand-written program.
    /// </summary>
    public static async Task<int> InlineAsync(DiamondWorkflow w, int seed)
    {
        var a = w.A(seed);
        var b1 = w.B1(a);
        var b2 = w.B2(a);
        var c = await Task.WhenAll(
            Task.FromResult(w.C1(b1, b2)),
            w.C2(b1, b2),
            Task.FromResult(w.C3(b1, b2)),
            Task.FromResult(w.C4(b1, b2))).ConfigureAwait(false);
        return w.E(w.D1(c[0], c[1], c[2], c[3]), w.D2(c[0], c[1], c[2], c[3]));
    }
}
