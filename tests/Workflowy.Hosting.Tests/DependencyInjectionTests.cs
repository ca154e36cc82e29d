using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Workflowy.Hosting.Tests;

/// <summary>AddWorkflowy: the runner built from options and the container's services; workflows made by the container.</summary>
public class DependencyInjectionTests
{
    [Fact]
    public async Task AWorkflowWithAConstructorDependency_RunsFromTheContainer_ByRunAsync_AndByName()
    {
        using var host = TestHost.Build(b =>
        {
            b.Services.AddSingleton<IGreeting>(new Greeting("Hello"));
            b.Services.AddWorkflowy().AddWorkflow<Welcome>();
        });
        await host.StartAsync();
        var runner = host.Services.GetRequiredService<WorkflowRunner>();

        // RunAsync on the instance the container made.
        var run = await host.Services.GetRequiredService<Welcome>().RunAsync("Ada", runner);
        Assert.Equal("Hello, Ada", await run.Compose);
        Assert.Equal(10, await run.Length);

        // By name from JSON: the catalogue asks the runner's Services (the container) for the workflow.
        Assert.Same(host.Services.GetRequiredService<IGreeting>(), runner.Services!.GetService(typeof(IGreeting)));
        var definition = WorkflowCatalog.Find("Welcome");
        Assert.NotNull(definition);
        var started = await definition.StartAsync("""{ "name": "Grace" }""", runner, runId: "welcome-grace");
        await started.Completion;
        Assert.Equal("welcome-grace", started.RunId);
        Assert.Equal("\"Hello, Grace\"", started.ResultJson("Compose"));
        Assert.Equal("12", started.ResultJson("Length"));

        // Transient: each resolution is a new workflow object.
        Assert.NotSame(host.Services.GetRequiredService<Welcome>(), host.Services.GetRequiredService<Welcome>());
        await host.StopAsync();
    }

    [Fact]
    public void WithoutTheContainer_AWorkflowWithoutAParameterlessConstructor_CannotBeStartedByName()
    {
        // The same runner options without Services: the catalogue has nothing to make the workflow with.
        var error = Assert.Throws<InvalidOperationException>(() => WorkflowCatalog.Find("Welcome")!.StartAsync("""{ "name": "Ada" }""", new WorkflowRunner()).GetAwaiter().GetResult());
        Assert.Contains("Welcome", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSettings_AreBoundFromTheWorkflowySection_IntoTheRunner()
    {
        using var directory = TestHost.TempDirectory();
        using var host = TestHost.Build(
            b => b.Services.AddWorkflowy(b.Configuration.GetSection(WorkflowyOptions.SectionName)),
            new Dictionary<string, string?>
            {
                ["Workflowy:MaxWorkers"] = "3",
                ["Workflowy:DefaultBackend"] = "Thread",
                ["Workflowy:ErrorPolicy"] = "Log",
                ["Workflowy:CheckpointInterval"] = "00:00:00.250",
                ["Workflowy:EventPollInterval"] = "00:00:05",
                ["Workflowy:Store"] = "JsonFile",
                ["Workflowy:StoreDirectory"] = directory.Path,
            });
        await host.StartAsync();
        var runner = host.Services.GetRequiredService<WorkflowRunner>();
        Assert.Equal(3, runner.MaxWorkers);
        Assert.Equal(Backend.Thread, runner.DefaultBackend);
        Assert.Equal(ErrorPolicy.Log, runner.ErrorPolicy);
        Assert.Equal(TimeSpan.FromMilliseconds(250), runner.CheckpointInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), runner.EventPollInterval);
        var store = Assert.IsType<JsonFileWorkflowStore>(runner.Store);
        Assert.Equal(directory.Path, store.Directory);
        await host.StopAsync();
    }

    [Fact]
    public void Defaults_AreTheRunnersDefaults_WithoutAStore()
    {
        using var host = TestHost.Build(b => b.Services.AddWorkflowy());
        var runner = host.Services.GetRequiredService<WorkflowRunner>();
        var plain = new WorkflowRunner();
        Assert.Equal(plain.MaxWorkers, runner.MaxWorkers);
        Assert.Equal(plain.DefaultBackend, runner.DefaultBackend);
        Assert.Equal(plain.ErrorPolicy, runner.ErrorPolicy);
        Assert.Equal(plain.CheckpointInterval, runner.CheckpointInterval);
        Assert.Equal(plain.EventPollInterval, runner.EventPollInterval);
        Assert.Null(runner.Store);
        Assert.Same(TimeProvider.System, runner.TimeProvider);
    }

    [Fact]
    public void ARelativeStoreDirectory_IsTakenFromTheContentRoot()
    {
        using var host = TestHost.Build(b => b.Services.AddWorkflowy(o =>
        {
            o.Store = WorkflowyStoreKind.JsonFile;
            o.StoreDirectory = "state";
        }));
        var store = Assert.IsType<JsonFileWorkflowStore>(host.Services.GetRequiredService<WorkflowRunner>().Store);
        var root = host.Services.GetRequiredService<IHostEnvironment>().ContentRootPath;
        Assert.Equal(System.IO.Path.Combine(root, "state"), store.Directory);
    }

    [Fact]
    public void TheStore_TheClock_AndTheRunnerItself_ComeFromTheContainer()
    {
        var store = new InMemoryWorkflowStore();
        var clock = new FakeTimeProvider();
        using var host = TestHost.Build(b =>
        {
            b.Services.AddSingleton<IWorkflowStore>(store);
            b.Services.AddSingleton<TimeProvider>(clock);
            b.Services.AddWorkflowy();
            b.Services.AddWorkflowy(o => o.MaxWorkers = 2);   // again: only configures
        });
        var runner = host.Services.GetRequiredService<WorkflowRunner>();
        Assert.Same(store, runner.Store);
        Assert.Same(clock, runner.TimeProvider);
        Assert.Equal(2, runner.MaxWorkers);
        Assert.Same(runner, host.Services.GetRequiredService<WorkflowRunner>());
        Assert.Single(host.Services.GetServices<IHostedService>(), s => s.GetType().Name == "WorkflowyHostedService");
    }

    [Fact]
    public void StoreNone_LeavesARegisteredStoreOut_AndInMemory_IsTheRunnersOwn()
    {
        using (var host = TestHost.Build(b =>
        {
            b.Services.AddSingleton<IWorkflowStore>(new InMemoryWorkflowStore());
            b.Services.AddWorkflowy(o => o.Store = WorkflowyStoreKind.None);
        }))
        {
            Assert.Null(host.Services.GetRequiredService<WorkflowRunner>().Store);
        }

        using (var host = TestHost.Build(b => b.Services.AddWorkflowy(o => o.Store = WorkflowyStoreKind.InMemory)))
        {
            Assert.IsType<InMemoryWorkflowStore>(host.Services.GetRequiredService<WorkflowRunner>().Store);
        }
    }

    [Fact]
    public async Task TheRunnerLogs_ThroughTheContainersLoggerFactory_InCategoryWorkflowy()
    {
        var sink = new ListLoggerProvider();
        using var host = TestHost.Build(b =>
        {
            b.Logging.AddProvider(sink);
            b.Services.AddWorkflowy(o => o.ErrorPolicy = ErrorPolicy.Log);
        });
        await host.StartAsync();
        var runner = host.Services.GetRequiredService<WorkflowRunner>();
        var run = await new Breaks().RunAsync(runner, runId: "breaks-1");
        Assert.Equal(TaskState.Failed, run.Fail.State);
        var entry = Assert.Single(sink.Entries, e => e.Category == "Workflowy" && e.Message.Contains("breaks-1", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Contains("'Fail'", entry.Message, StringComparison.Ordinal);
        await host.StopAsync();
    }

    internal sealed record LogEntry(string Category, LogLevel Level, string Message);

    internal sealed class ListLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<LogEntry> _entries = new();

        public IReadOnlyList<LogEntry> Entries => _entries.ToArray();

        public ILogger CreateLogger(string categoryName) => new ListLogger(categoryName, _entries);

        public void Dispose()
        {
        }

        private sealed class ListLogger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception)));
        }
    }
}
