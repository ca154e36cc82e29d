using System;

namespace Workflowy;

/// <summary>
/// The backends a task can run on once <see cref="Backend.Default"/> is resolved; each has an executor in every
/// runner. A new backend is a new enum value, a row here and its executor (see <see cref="WorkflowRunner.GetExecutor"/>).
/// </summary>
internal static class BackendTable
{
    public static readonly Backend[] Executable = [Backend.Async, Backend.Thread, Backend.Serial];

    /// <summary>Whether <paramref name="backend"/> is a declared value of <see cref="Backend"/>.</summary>
    public static bool IsDefined(Backend backend) => backend == Backend.Default || Array.IndexOf(Executable, backend) >= 0;
}
