using System;
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
}
