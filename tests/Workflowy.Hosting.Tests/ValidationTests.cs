using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Workflowy.Hosting.Tests;

/// <summary>Settings that cannot work stop the host from starting, with a message naming the setting.</summary>
public class ValidationTests
{
    private static IHost FromSettings(Dictionary<string, string?> settings, Action<IServiceCollection>? more = null, string section = "Workflowy") =>
        TestHost.Build(
            b =>
            {
                more?.Invoke(b.Services);
                b.Services.AddWorkflowy(b.Configuration.GetSection(section));
            },
            settings);

    private static async Task<string> StartFails(IHost host)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        return error is AggregateException aggregate ? string.Join(" | ", aggregate.Flatten().InnerExceptions) : error.Message;
    }

    [Theory]
    [InlineData("MaxWorkers", "0", "Workflowy:MaxWorkers must be at least 1 (was 0).")]
    [InlineData("MaxWorkers", "-3", "Workflowy:MaxWorkers must be at least 1 (was -3).")]
    [InlineData("DefaultBackend", "Default", "Workflowy:DefaultBackend must be Async, Thread or Serial (was Default).")]
    [InlineData("CheckpointInterval", "-00:00:01", "Workflowy:CheckpointInterval must be between 00:00:00 and 49 days (was -00:00:01).")]
    [InlineData("EventPollInterval", "00:00:00", "Workflowy:EventPollInterval must be more than 00:00:00 and at most 49 days (was 00:00:00).")]
    [InlineData("EventPollInterval", "60.00:00:00", "Workflowy:EventPollInterval must be more than 00:00:00 and at most 49 days (was 60.00:00:00).")]
    [InlineData("Store", "JsonFile", "Workflowy:StoreDirectory is required when Workflowy:Store is JsonFile")]
    [InlineData("StoreDirectory", "state", "Workflowy:StoreDirectory is set ('state'), but Workflowy:Store is Services: set Workflowy:Store to JsonFile")]
    public async Task ABadSetting_FailsTheStart_WithAMessageNamingIt(string key, string value, string message)
    {
        using var host = FromSettings(new() { ["Workflowy:" + key] = value });
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryBadSetting_IsNamed_AtOnce()
    {
        using var host = FromSettings(new() { ["Workflowy:MaxWorkers"] = "0", ["Workflowy:EventPollInterval"] = "-00:00:01" });
        var message = await StartFails(host);
        Assert.Contains("Workflowy:MaxWorkers must be at least 1 (was 0).", message, StringComparison.Ordinal);
        Assert.Contains("Workflowy:EventPollInterval must be more than 00:00:00", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASettingInCode_IsCheckedToo()
    {
        using var host = TestHost.Build(b => b.Services.AddWorkflowy(o => o.MaxWorkers = 0));
        var message = await StartFails(host);
        Assert.Contains("Workflowy:MaxWorkers must be at least 1 (was 0).", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASectionElsewhere_IsNamedByItsPath()
    {
        using var host = FromSettings(new() { ["Jobs:Workflowy:MaxWorkers"] = "0" }, section: "Jobs:Workflowy");
        var message = await StartFails(host);
        Assert.Contains("Jobs:Workflowy:MaxWorkers must be at least 1 (was 0).", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownKey_FailsTheStart_NamingIt()
    {
        using var host = FromSettings(new() { ["Workflowy:MaxWorker"] = "4" });
        var message = await StartFails(host);
        Assert.Contains("MaxWorker", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MaxWorkers", "many")]
    [InlineData("ErrorPolicy", "Shrug")]
    [InlineData("CheckpointInterval", "soon")]
    public async Task AValueThatDoesNotConvert_FailsTheStart_NamingTheKey(string key, string value)
    {
        using var host = FromSettings(new() { ["Workflowy:" + key] = value });
        var message = await StartFails(host);
        Assert.Contains("Workflowy:" + key, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStoreKindBesideARegisteredStore_FailsTheStart()
    {
        using var directory = TestHost.TempDirectory();
        using var host = FromSettings(
            new() { ["Workflowy:Store"] = "JsonFile", ["Workflowy:StoreDirectory"] = directory.Path },
            services => services.AddSingleton<IWorkflowStore>(new InMemoryWorkflowStore()));
        var message = await StartFails(host);
        Assert.Contains("Workflowy:Store is JsonFile, but an IWorkflowStore is registered in the services too", message, StringComparison.Ordinal);
    }
}
