using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Workflowy.Sqlite.Tests.Workflows;

namespace Workflowy.Sqlite.Tests;

/// <summary>Runs checkpointed in SQLite and resumed from it, through the runtime.</summary>
public sealed class SqliteResumeTests : TempFiles
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Resume_RestoresInputsAndResults_AndRunsOnlyWhatDidNotComplete()
    {
        var path = NewPath();
        var runId = "invoice-" + Guid.NewGuid().ToString("N");
        var first = new InvoiceWorkflow();
        await using (var store = new SqliteWorkflowStore(path))
        {
            var failed = await first.RunAsync(8, "ada@example.org", new WorkflowRunner { Store = store, ErrorPolicy = ErrorPolicy.Continue }, runId).WaitAsync(Guard);
            Assert.Equal(TaskState.Failed, failed.Mail.State);
            Assert.Equal((1, 1, 1, 1), (first.DraftCalls, first.ChargeCalls, first.ArchiveCalls, first.MailCalls));
        }

        // Another process: a new store on the same file.
        var second = new InvoiceWorkflow { Repaired = true };
        await using (var store = new SqliteWorkflowStore(path))
        {
            var checkpoint = (await store.LoadAsync("Workflowy.Sqlite.Tests.Workflows.InvoiceWorkflow", runId))!;
            Assert.Equal("{\"customer\":8,\"email\":\"ada@example.org\"}", checkpoint.InputsJson);
            Assert.Equal(TaskState.Failed, checkpoint.Tasks.Single(t => t.Key == "Mail").State);
            Assert.Contains("the mail server is down", checkpoint.Tasks.Single(t => t.Key == "Mail").Error);

            var resumed = await second.ResumeAsync(runId, new WorkflowRunner { Store = store }).WaitAsync(Guard);

            Assert.Equal(runId, resumed.RunId);
            Assert.Equal((0, 0, 0, 1), (second.DraftCalls, second.ChargeCalls, second.ArchiveCalls, second.MailCalls));
            Assert.Equal(new Invoice(8, 100m, "EUR"), resumed.Draft.Result);
            Assert.Equal(100m, resumed.Charge.Result);
            Assert.Equal("receipt 8-100.0: 100.0 mailed to ada@example.org; archived 8 (EUR)", resumed.Mail.Result);
            Assert.Equal(1, InvoiceWorkflow.Payments[runId]);

            var done = (await store.LoadAsync(resumed.WorkflowKey, runId))!;
            Assert.Equal(new[] { "Archive", "Charge", "Draft", "Mail" }, done.Tasks.Select(t => t.Key).Order(StringComparer.Ordinal));
            Assert.All(done.Tasks, t => Assert.Equal(TaskState.Completed, t.State));
            Assert.Equal("\"receipt 8-100.0\"", done.Values["state:receipt"]);
        }

        // A third run of the finished run restores everything and runs nothing.
        var third = new InvoiceWorkflow();
        await using (var store = new SqliteWorkflowStore(path))
        {
            var again = await third.ResumeAsync(runId, new WorkflowRunner { Store = store }).WaitAsync(Guard);
            Assert.Equal((0, 0, 0, 0), (third.DraftCalls, third.ChargeCalls, third.ArchiveCalls, third.MailCalls));
            Assert.Equal("receipt 8-100.0: 100.0 mailed to ada@example.org; archived 8 (EUR)", again.Mail.Result);
        }
    }

    [Fact]
    public async Task ResumingFromAForeignDatabase_FailsTheRun_WithoutRunningAnything_AndLeavesTheFile()
    {
        var path = NewPath();
        Execute(path, "CREATE TABLE jobs (id INTEGER PRIMARY KEY, payload TEXT)");
        var bytes = File.ReadAllBytes(path);
        var workflow = new InvoiceWorkflow { Repaired = true };
        await using var store = new SqliteWorkflowStore(path);

        var resume = await Assert.ThrowsAsync<CheckpointException>(() => workflow.ResumeAsync("r1", new WorkflowRunner { Store = store }).WaitAsync(Guard));
        var run = workflow.Start(1, "x@example.org", new WorkflowRunner { Store = store }, "r1");
        var start = await Assert.ThrowsAsync<CheckpointException>(() => run.Completion.WaitAsync(Guard));

        Assert.Contains("not a Workflowy store", resume.Message);
        Assert.Equal(path, start.Location);
        Assert.Equal((0, 0, 0, 0), (workflow.DraftCalls, workflow.ChargeCalls, workflow.ArchiveCalls, workflow.MailCalls));
        Assert.All(run.Tasks, t => Assert.Equal(TaskState.Pending, t.State));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task AStoreThatStaysLocked_FailsTheRun_UnderErrorPolicyRaise()
    {
        var path = NewPath();
        await using var store = new SqliteWorkflowStore(new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 1 });
        await store.SaveAsync(new RunCheckpoint("other", "r0", "{}", Array.Empty<TaskRecord>(), new Dictionary<string, string>()));
        using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        other.Open();
        using var transaction = other.BeginTransaction(deferred: false);

        var thrown = await Assert.ThrowsAsync<CheckpointException>(() => new InvoiceWorkflow { Repaired = true }.RunAsync(3, "x@example.org", new WorkflowRunner { Store = store }).WaitAsync(Guard));

        Assert.Contains("locked", thrown.Message);
        Assert.Equal(path, thrown.Location);
    }

    [Fact]
    public async Task SubmittedTasksWithKeys_AreRestored_AndEventsReachOtherProcesses_ThroughTheFile()
    {
        var path = NewPath();
        var runId = Guid.NewGuid().ToString("N");
        var calls = 0;
        await using (var store = new SqliteWorkflowStore(path))
        {
            var runner = new WorkflowRunner { Store = store, SerializerContext = BatchJson.Default, ErrorPolicy = ErrorPolicy.Continue };
            var first = await runner.ResumeRunAsync("batch", runId);
            _ = first.Submit(new TaskOptions { Key = "a" }, _ => { calls++; return "A"; });
            _ = first.Submit(new TaskOptions { Key = "b" }, _ => { calls++; return calls > 100 ? "B" : throw new InvalidOperationException("b fails"); });
            first.Complete();
            await first.Completion.WaitAsync(Guard);
        }

        Assert.Equal(2, calls);
        var time = new FakeTimeProvider();
        await using var waiting = new SqliteWorkflowStore(path);
        var again = await new WorkflowRunner { Store = waiting, SerializerContext = BatchJson.Default, TimeProvider = time, EventPollInterval = TimeSpan.FromSeconds(5) }.ResumeRunAsync("batch", runId);
        var a = again.Submit(new TaskOptions { Key = "a" }, _ => { calls += 1000; return "A2"; });
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var b = again.Submit(new TaskOptions { Key = "b" }, async ctx =>
        {
            started.SetResult();
            return await ctx.WaitForEventAsync<string>($"approved:{ctx.RunId}");
        });
        again.Complete();
        await started.Task.WaitAsync(Guard);

        // Another process publishes the event in the same file; the waiting run polls its store.
        await using (var publisher = new SqliteWorkflowStore(path))
        {
            await new WorkflowRunner { Store = publisher }.PublishEventAsync($"approved:{runId}", "\"B after approval\"");
        }

        // The body checks the store once before it starts polling: that check may already see the event (it races the
        // publication above), else the next poll does.
        time.Advance(TimeSpan.FromSeconds(5));
        await again.Completion.WaitAsync(Guard);

        Assert.Equal("A", a.Result);
        Assert.Equal("B after approval", b.Result);
        Assert.Equal(2, calls);
        var checkpoint = (await waiting.LoadAsync(again.WorkflowKey, runId))!;
        Assert.Equal("\"B after approval\"", checkpoint.Tasks.Single(t => t.Key == "b").ResultJson);
    }
}

[JsonSerializable(typeof(string))]
internal sealed partial class BatchJson : JsonSerializerContext
{
}
