using System;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// The child's side of <see cref="Backend.Process"/>: a process started by a <see cref="ProcessTaskExecutor"/> runs the
/// tasks its parent sends, one at a time, until its stdin closes. The application's <c>Main</c> hands over to it in
/// its first line:
/// <code>if (WorkflowyProcessWorker.IsWorker) return await WorkflowyProcessWorker.RunAsync();</code>
/// </summary>
/// <remarks>
/// The protocol is one JSON object per line on stdin and stdout. While it runs, <see cref="Console.Out"/> writes to
/// stderr (which the child shares with its parent), so a body's console output cannot corrupt it.
/// </remarks>
public static class WorkflowyProcessWorker
{
    /// <summary>The environment variable a <see cref="ProcessTaskExecutor"/> sets in its children.</summary>
    public const string EnvironmentVariable = "WORKFLOWY_PROCESS_WORKER";

    /// <summary>Whether this process was started as a worker by a <see cref="ProcessTaskExecutor"/>.</summary>
    public static bool IsWorker => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 };

    /// <summary>
    /// Runs the tasks the parent sends until it closes this process's stdin (or exits), then returns the exit code 0.
    /// Workflows are found in <see cref="WorkflowCatalog"/> by full name.
    /// </summary>
    /// <param name="services">Where the workflow objects come from (as <see cref="WorkflowRunner.Services"/>); null: their parameterless constructors.</param>
    /// <param name="cancellationToken">Stops the loop; the task running then sees it on its token.</param>
    /// <exception cref="InvalidOperationException">This process was not started as a worker (<see cref="IsWorker"/> is false).</exception>
    public static async Task<int> RunAsync(IServiceProvider? services = null, CancellationToken cancellationToken = default)
    {
        if (!IsWorker)
        {
            throw new InvalidOperationException($"This process was not started as a Workflowy worker ({EnvironmentVariable} is not set); call RunAsync only when IsWorker is true.");
        }

        // Its own children (a body may start processes) are not workers.
        Environment.SetEnvironmentVariable(EnvironmentVariable, null);
        var encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        using var input = new StreamReader(Console.OpenStandardInput(), encoding);
        using var output = new StreamWriter(Console.OpenStandardOutput(), encoding) { AutoFlush = false };
        Console.SetOut(Console.Error);
        var channel = new Channel(output);
        channel.Write(new ProcessMessage { Kind = ProcessMessage.Hello, Protocol = ProcessMessage.ProtocolName, Pid = Environment.ProcessId });
        while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            ProcessMessage? request;
            try
            {
                request = JsonSerializer.Deserialize(line, ProcessProtocolJson.Default.ProcessMessage);
            }
            catch (JsonException)
            {
                continue;
            }

            if (request is not { Kind: ProcessMessage.Invoke })
            {
                continue;
            }

            if (!await RunOneAsync(request, services, channel, cancellationToken).ConfigureAwait(false))
            {
                // Out of memory: this process's state cannot be trusted; the parent starts another.
                return 3;
            }
        }

        return 0;
    }

    /// <summary>Runs one task and answers; false when the process must end (it ran out of memory).</summary>
    private static async Task<bool> RunOneAsync(ProcessMessage request, IServiceProvider? services, Channel channel, CancellationToken cancellationToken)
    {
        var id = request.Id;
        var pid = Environment.ProcessId;
        try
        {
            var definition = WorkflowCatalog.Find(request.Workflow ?? string.Empty)
                ?? throw new InvalidOperationException($"Workflow '{request.Workflow}' is not in this process's catalogue: the worker process runs another application, or the workflow's assembly is not loaded in it.");
            var invocation = new TaskInvocation(request.Inputs ?? "{}")
            {
                DependencyResults = request.Dependencies ?? [],
                RunId = request.RunId ?? string.Empty,
                Attempt = request.Attempt < 1 ? 1 : request.Attempt,
                Services = services,
                ProgressReported = (fraction, message) => channel.Write(new ProcessMessage { Kind = ProcessMessage.Progress, Id = id, Pid = pid, Fraction = fraction, Message = message }),
            };
            var result = await definition.InvokeTaskAsync(request.Task ?? string.Empty, invocation, cancellationToken).ConfigureAwait(false);
            channel.Write(new ProcessMessage { Kind = ProcessMessage.Result, Id = id, Pid = pid, Value = result, HasResult = result is not null });
            return true;
        }
        catch (OutOfMemoryException ex)
        {
            channel.Write(new ProcessMessage { Kind = ProcessMessage.Error, Id = id, Pid = pid, ErrorType = ex.GetType().FullName, Message = ex.Message, Fatal = true });
            return false;
        }
        catch (Exception ex)
        {
            channel.Write(new ProcessMessage { Kind = ProcessMessage.Error, Id = id, Pid = pid, ErrorType = ex.GetType().FullName, Message = ex.Message, StackTrace = ex.StackTrace });
            return true;
        }
    }

    /// <summary>Writes protocol lines, one at a time (progress may come from any thread of a body).</summary>
    private sealed class Channel(StreamWriter output)
    {
        private readonly Lock _gate = new();

        public void Write(ProcessMessage message)
        {
            var line = JsonSerializer.Serialize(message, ProcessProtocolJson.Default.ProcessMessage);
            lock (_gate)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }
    }
}
