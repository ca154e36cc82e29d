using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace Workflowy.Cli.Tests;

/// <summary>
/// The CLI as a real process: samples/Workflowy.Sample (README's commands) and this assembly's own Main; and under a
/// pseudo-terminal (util-linux <c>script</c>, or tmux), where the live display must appear and end with the summary.
/// </summary>
public sealed class ProcessTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _folder = new();

    public ProcessTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Sample_WithoutArguments_StillRunsItsDemo()
    {
        var result = await CliProcess.RunDllAsync(CliProcess.SampleApp, []);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("What the tasks did, in order:", result.Out);
        Assert.Contains("Result: Order for Ada: cart 42, 258.40 EUR, confirmed", result.Out);
    }

    [Fact]
    public async Task Sample_List_ShowsOrderWorkflowAndItsInputs()
    {
        var result = await CliProcess.RunDllAsync(CliProcess.SampleApp, ["list"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("OrderWorkflow  (Workflowy.Sample.OrderWorkflow, 7 tasks)", result.Out);
        Assert.Contains("--input cartId    int", result.Out);
        Assert.Contains("--input customer  string", result.Out);
    }

    [Fact]
    public async Task Sample_RunJson_IsExitCode1_TheLoyaltyServiceIsDown()
    {
        var result = await CliProcess.RunDllAsync(CliProcess.SampleApp, ["run", "OrderWorkflow", "--input", "cartId=42", "--input", "customer=Ada", "--json"]);

        Assert.True(result.ExitCode == 1, result.ToString());
        var json = result.Json();
        Assert.Equal("Failed", json.GetProperty("status").GetString());
        Assert.Equal("receipt for 'Order for Ada: cart 42, 258.40 EUR, confirmed'", json.GetProperty("results").GetProperty("SendReceipt").GetString());
        var note = json.GetProperty("failures").EnumerateArray().Single(f => f.GetProperty("task").GetString() == "ThankYouNote");
        Assert.Equal(["ThankYouNote", "LoyaltyPoints"], note.GetProperty("chain").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(2, json.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "SendReceipt").GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Sample_RunsAndShow_AcrossProcesses_OnAJsonStore()
    {
        var env = new Dictionary<string, string?> { ["WORKFLOWY_STORE"] = _folder.StoreSpec };
        var run = await CliProcess.RunDllAsync(CliProcess.SampleApp, ["run", "OrderWorkflow", "-i", "cartId=7", "-i", "customer=Bob", "--run-id", "order-7"], env);
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("Run order-7 of Workflowy.Sample.OrderWorkflow: 7 tasks, checkpointed", run.Out);

        var runs = await CliProcess.RunDllAsync(CliProcess.SampleApp, ["runs", "--json"], env);
        Assert.True(runs.ExitCode == 0, runs.ToString());
        var listed = runs.Json().GetProperty("runs").EnumerateArray().Single();
        Assert.Equal("order-7", listed.GetProperty("runId").GetString());
        Assert.Equal("Failed", listed.GetProperty("status").GetString());

        var show = await CliProcess.RunDllAsync(CliProcess.SampleApp, ["show", "order-7"], env);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("LoyaltyPoints  failed", show.Out);
        Assert.Contains("⊘ ThankYouNote skipped ← LoyaltyPoints failed", show.Out);
    }

    [Fact]
    public async Task TestApp_ExitCodes_AndErrorsOnStandardError()
    {
        var ok = await CliProcess.RunDllAsync(CliProcess.TestApp, ["run", "Greeting", "-i", "name=Ada", "-i", "times=2", "-i", "shout=true"]);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("Greet  \"HELLO ADA HELLO ADA\"", ok.Out);
        Assert.Contains("    +", ok.Out);

        var missing = await CliProcess.RunDllAsync(CliProcess.TestApp, ["run", "Greeting", "-i", "name=Ada"]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("error: The input 'times' (int) of workflow Greeting is missing", missing.Error);

        var failed = await CliProcess.RunDllAsync(CliProcess.TestApp, ["run", "Broken", "-i", "size=1", "--json"]);
        Assert.Equal(1, failed.ExitCode);
        Assert.Equal("Failed", failed.Json().GetProperty("status").GetString());
    }

    [Fact]
    public async Task UnderAPseudoTerminal_TheLiveDisplayAppears_AndEndsWithTheSummary()
    {
        var command = $"exec {Quote(CliProcess.Dotnet)} exec {Quote(CliProcess.TestApp)} run Slow --input ms=1500";
        var environment = new Dictionary<string, string?> { ["TERM"] = "xterm-256color", ["NO_COLOR"] = null };
        string screen;
        if (Which("script") is { } script)
        {
            // util-linux script: a pseudo-terminal for the command; -e returns its exit code; the typescript goes to /dev/null
            // and what the terminal showed to standard output.
            var result = await CliProcess.RunAsync(script, ["-q", "-e", "-c", command, "/dev/null"], environment, TimeSpan.FromSeconds(120));
            Assert.True(result.ExitCode == 0, result.ToString());
            screen = result.Out;
        }
        else if (Which("tmux") is { } tmux)
        {
            screen = await TmuxAsync(tmux, command);
        }
        else
        {
            Assert.Fail("Neither 'script' (util-linux) nor 'tmux' is on this machine: the live display cannot be tested under a pseudo-terminal. Install util-linux (bsdutils) or tmux.");
            return;
        }

        _output.WriteLine(screen);
        Assert.Contains("\u001b[?25l", screen);                                           // the live display hides the cursor
        var frames = Regex.Matches(screen, @"\d/4 tasks").Count;
        Assert.True(frames >= 3, $"expected several frames of the live display, saw {frames}:\n{screen}");
        Assert.Contains("running", screen);
        Assert.Matches(@"fetching \d/5|parsing \d/5|indexing \d/5", screen);               // a running task's progress message
        var summary = screen.LastIndexOf("Run summary: Slow run", StringComparison.Ordinal);
        Assert.True(summary > screen.LastIndexOf("/4 tasks", StringComparison.Ordinal), "the summary follows the last frame");
        Assert.Contains("Completed", screen[summary..]);
        Assert.Contains("published 50", screen[summary..]);
    }

    private static async Task<string> TmuxAsync(string tmux, string command)
    {
        var session = "workflowy-cli-" + Guid.NewGuid().ToString("N")[..8];
        var done = Path.Combine(Path.GetTempPath(), session + ".done");
        var log = Path.Combine(Path.GetTempPath(), session + ".log");
        await CliProcess.RunAsync(tmux, ["new-session", "-d", "-s", session, "-x", "100", "-y", "40", $"{command}; echo $? > {done}"]);
        try
        {
            await CliProcess.RunAsync(tmux, ["pipe-pane", "-t", session, "-o", $"cat >> {log}"]);
            for (var i = 0; i < 600 && !File.Exists(done); i++)
            {
                await Task.Delay(100);
            }

            Assert.True(File.Exists(done), "the command under tmux did not finish");
            Assert.Equal("0", File.ReadAllText(done).Trim());
            return File.Exists(log) ? File.ReadAllText(log) : string.Empty;
        }
        finally
        {
            await CliProcess.RunAsync(tmux, ["kill-session", "-t", session]);
            File.Delete(done);
            File.Delete(log);
        }
    }

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
