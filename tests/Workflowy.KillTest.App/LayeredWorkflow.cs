using System;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.KillTest.App;

/// <summary>
/// Twelve tasks in five layers (a diamond-ish DAG). Every result is computed deterministically from the inputs; every
/// body journals <c>start</c> and <c>end</c> lines (and Zeta an <c>effect</c> line from inside its side effect), so
/// the kill test can tell which bodies ran in which process. Keep <see cref="Dependencies"/> in step with the
/// <c>[DependsOn]</c> attributes: the test checks the order of starts against it.
/// </summary>
[WorkflowSerialization(typeof(KillTestJson))]
public sealed partial class LayeredWorkflow(Journal journal)
{
    /// <summary>The graph as the kill test sees it: task → its dependencies.</summary>
    public const string Dependencies =
        "Seed:;Title:;Alpha:Seed;Beta:Seed;Gamma:Seed,Title;Delta:Alpha,Beta;Epsilon:Beta,Gamma;Zeta:Alpha,Gamma;" +
        "Eta:Delta,Epsilon;Theta:Epsilon,Zeta;Iota:Delta,Zeta;Kappa:Eta,Theta,Iota";

    // ---------------------------------------------------------------- layer 0

    [Task]
    public async Task<int> Seed(int number, CancellationToken cancellationToken)
    {
        journal.Start();
        await Task.Delay(20, cancellationToken);
        return journal.End(Mix(number, 1));
    }

    [Task(Backend = Backend.Thread)]
    public string Title(string label)
    {
        journal.Start();
        Thread.Sleep(10);
        return journal.End($"{label.ToUpperInvariant()}/{label.Length}");
    }

    // ---------------------------------------------------------------- layer 1

    [Task, DependsOn(nameof(Seed))]
    public async Task<int> Alpha(int seed, CancellationToken cancellationToken)
    {
        journal.Start();
        await Task.Delay(30, cancellationToken);
        return journal.End(Mix(seed, 2));
    }

    [Task(Backend = Backend.Thread), DependsOn(nameof(Seed))]
    public int Beta(int seed)
    {
        journal.Start();
        Thread.Sleep(25);
        return journal.End(Mix(seed, 3));
    }

    [Task, DependsOn(nameof(Seed), nameof(Title))]
    public async Task<string> Gamma(int seed, string title, CancellationToken cancellationToken)
    {
        journal.Start();
        await Task.Delay(20, cancellationToken);
        return journal.End($"{title}:{seed % 1000}");
    }

    // ---------------------------------------------------------------- layer 2

    [Task(Backend = Backend.Thread), DependsOn(nameof(Alpha), nameof(Beta))]
    public Stats Delta(int alpha, int beta)
    {
        journal.Start();
        Thread.Sleep(20);
        return journal.End(new Stats(unchecked(alpha + beta) & 0x7fffffff, Math.Max(alpha, beta), "d"));
    }

    [Task, DependsOn(nameof(Beta), nameof(Gamma))]
    public async Task<string> Epsilon(int beta, string gamma, CancellationToken cancellationToken)
    {
        journal.Start();
        await Task.Delay(35, cancellationToken);
        return journal.End($"{gamma}|{beta % 97}");
    }

    [Task, DependsOn(nameof(Alpha), nameof(Gamma))]
    public async Task<int> Zeta(int alpha, string gamma, TaskContext context)
    {
        journal.Start();
        // Recorded with the run before SideEffectAsync returns: a re-execution of Zeta gets the recorded value back.
        var ticket = await context.SideEffectAsync("ticket", _ =>
        {
            journal.Effect();
            return ValueTask.FromResult(Mix(alpha, 7));
        });
        await Task.Delay(20, context.CancellationToken);
        return journal.End(Mix(ticket, gamma.Length));
    }

    // ---------------------------------------------------------------- layer 3

    [Task(Backend = Backend.Thread), DependsOn(nameof(Delta), nameof(Epsilon))]
    public Summary Eta(Stats delta, string epsilon)
    {
        journal.Start();
        Thread.Sleep(15);
        return journal.End(new Summary(epsilon, delta.Sum % 100_000, delta));
    }

    [Task, DependsOn(nameof(Epsilon), nameof(Zeta))]
    public async Task<int> Theta(string epsilon, int zeta, CancellationToken cancellationToken)
    {
        journal.Start();
        await Task.Delay(25, cancellationToken);
        return journal.End(Mix(zeta, epsilon.Length));
    }

    [Task, DependsOn(nameof(Delta), nameof(Zeta))]
    public async Task<string> Iota(Stats delta, int zeta, CancellationToken cancellationToken)
    {
        journal.Start();
        await Task.Delay(30, cancellationToken);
        return journal.End($"{delta.Tag}{delta.Max % 100}-{zeta % 100}");
    }

    // ---------------------------------------------------------------- layer 4

    [Task, DependsOn(nameof(Eta), nameof(Theta), nameof(Iota))]
    public async Task<Report> Kappa(Summary eta, int theta, string iota, string label, CancellationToken cancellationToken)
    {
        journal.Start();
        await Task.Delay(10, cancellationToken);
        return journal.End(new Report(label, Mix(theta, eta.Total), iota, eta));
    }

    /// <summary>A deterministic, non-negative mix of a value and a salt.</summary>
    public static int Mix(int value, int salt)
    {
        unchecked
        {
            var x = (uint)value * 2654435761u + (uint)salt * 40503u;
            x ^= x >> 15;
            x *= 2246822519u;
            x ^= x >> 13;
            return (int)(x & 0x7fffffffu);
        }
    }
}
