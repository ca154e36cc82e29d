using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit;

namespace Workflowy.Dashboard.Tests;

/// <summary>
/// One dashboard server on a random loopback port (in process, <see cref="WorkflowyDashboardServer"/>, an in-memory
/// store) and one headless Debian chromium driven by Playwright, shared by the tests of a class.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    public WebApplication App { get; private set; } = null!;

    public WorkflowRunner Runner { get; private set; } = null!;

    /// <summary>The server's root, such as http://127.0.0.1:41234.</summary>
    public string Origin { get; private set; } = string.Empty;

    /// <summary>The dashboard's own address: <see cref="Origin"/> + /workflowy.</summary>
    public string BaseUrl => Origin + "/workflowy";

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public async Task InitializeAsync()
    {
        var options = new WorkflowyDashboardServerOptions
        {
            Store = new InMemoryWorkflowStore(),
            ConfigureServices = static services => services.AddTransient<Order>(),
        };
        options.Urls.Add("http://127.0.0.1:0");
        App = WorkflowyDashboardServer.Create(options);
        await App.StartAsync();
        Origin = App.Urls.Single();
        Runner = App.Services.GetRequiredService<WorkflowRunner>();

        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: run ./test.sh (it installs Debian's chromium and fonts-liberation), or apt-get install -y --no-install-recommends chromium fonts-liberation.");
        }

        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        Playwright?.Dispose();
        Runner?.CancelAll();
        foreach (var gate in Control.Gates.Values)
        {
            gate.TrySetResult();
        }

        await App.StopAsync();
        await App.DisposeAsync();
    }

    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        page.Dialog += static async (_, dialog) => await dialog.AcceptAsync();
        return page;
    }

    /// <summary>A full-page screenshot into artifacts/dashboard-screenshots/ at the repository's root.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var directory = Path.Combine(RepositoryRoot(), "artifacts", "dashboard-screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Workflowy.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Workflowy.sln not found above " + AppContext.BaseDirectory);
    }

    public static string RunPath(string workflow, string runId) => "/runs/" + Uri.EscapeDataString(workflow) + "/" + Uri.EscapeDataString(runId);
}
