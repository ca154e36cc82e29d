using System;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace Workflowy;

/// <summary>Logging that cannot break a run: a logger (or an exception's <c>Message</c>) that throws is ignored.</summary>
internal static class Logging
{
    public static void Safely<TState>(ILogger logger, Action<ILogger, TState> log, TState state)
    {
        try
        {
            log(logger, state);
        }
        catch (Exception)
        {
            // The logger is the user's; a failure to log must not change the run's outcome.
        }
    }

    /// <summary>
    /// Cancels a token source of a run. Callbacks registered on its token (or a token linked to it) are the user's
    /// code: one that throws is logged (event id 5) and does not keep the others, nor the caller, from going on.
    /// </summary>
    public static void CancelSafely(CancellationTokenSource? source, WorkflowRun run)
    {
        if (source is null)
        {
            return;
        }

        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It ended in the meantime.
        }
        catch (Exception ex)
        {
            Safely(run.Runner.Logger, static (l, s) => Log.HandlerFailed(l, "a cancellation callback", s.RunId, s.Exception), (run.RunId, Exception: ex));
        }
    }

    /// <summary>
    /// Raises an event to each subscriber in turn; one that throws is logged (event id 5) and does not keep the others
    /// from it, nor change anything the runtime was doing.
    /// </summary>
    public static void RaiseSafely<TArgs>(EventHandler<TArgs>? handler, object sender, TArgs args, ILogger logger, string name, string runId)
    {
        if (handler is null)
        {
            return;
        }

        foreach (var subscriber in handler.GetInvocationList())
        {
            try
            {
                ((EventHandler<TArgs>)subscriber).Invoke(sender, args);
            }
            catch (Exception ex)
            {
                Safely(logger, static (l, s) => Log.HandlerFailed(l, s.Name, s.RunId, s.Exception), (Name: name, RunId: runId, Exception: ex));
            }
        }
    }
}
