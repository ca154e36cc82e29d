using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Workflowy.Cli;
using Xunit;

namespace Workflowy.Dashboard.Tests;

/// <summary>The CLI's <c>serve</c> command, in process: it serves the dashboard until cancelled, and refuses a non-loopback address.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_serves_the_dashboard_on_loopback_until_cancelled()
    {
        var output = new SignallingWriter("Dashboard: ");
        var errors = new StringWriter();
        await using var runner = new WorkflowRunner { Store = new InMemoryWorkflowStore() };
        using var stop = new CancellationTokenSource();
        var serving = WorkflowyCli.RunAsync(["serve", "--urls", "http://127.0.0.1:0", "--read-only"], new WorkflowyCliOptions { Runner = runner, Out = output, Error = errors }, stop.Token);

        var line = await output.Line.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var url = Regex.Match(line, @"http://127\.0\.0\.1:\d+/workflowy/").Value;
        Assert.NotEmpty(url);
        using var http = new HttpClient();
        var page = await http.GetStringAsync(url + "workflows");
        Assert.Contains("Flaky", page, StringComparison.Ordinal);
        Assert.Contains("read-only", page, StringComparison.Ordinal);

        stop.Cancel();
        Assert.Equal(WorkflowyCli.Success, await serving);
        Assert.Equal(string.Empty, errors.ToString());
    }

    [Fact]
    public async Task Serve_refuses_an_address_beyond_loopback()
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await WorkflowyCli.RunAsync(["serve", "--urls", "http://0.0.0.0:5057"], new WorkflowyCliOptions { Out = output, Error = errors });
        Assert.Equal(WorkflowyCli.UsageError, exit);
        Assert.Contains("refuses to listen on http://0.0.0.0:5057", errors.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Completes <see cref="Line"/> with the first line written that starts with a prefix.</summary>
    private sealed class SignallingWriter(string prefix) : StringWriter
    {
        private readonly StringBuilder _line = new();

        public TaskCompletionSource<string> Line { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Write(char value)
        {
            base.Write(value);
            if (value == '\n')
            {
                var text = _line.ToString();
                _line.Clear();
                if (text.StartsWith(prefix, StringComparison.Ordinal))
                {
                    Line.TrySetResult(text);
                }
            }
            else
            {
                _line.Append(value);
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? string.Empty)
            {
                Write(c);
            }
        }

        public override Task WriteLineAsync(string? value)
        {
            Write(value);
            Write('\n');
            return Task.CompletedTask;
        }
    }
}
