using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Workflowy;

namespace Workflowy.Observability;

public sealed record Sale(string Region, string Currency, decimal Amount);

public sealed record StockLevel(string Warehouse, int Units);

public sealed record Ticket(int Id, string Severity);

public sealed record ExchangeRates(IReadOnlyDictionary<string, decimal> ToEur);

public sealed record NormalizedSales(IReadOnlyList<(string Region, decimal Eur)> Lines);

public sealed record Summary(IReadOnlyDictionary<string, decimal> EurByRegion, int UnitsInStock);

public sealed record SalesForecast(decimal NextWeekEur);

public sealed record Charts(IReadOnlyList<string> Files);

public sealed record Report(string Title, string Body);

/// <summary>
/// A nightly report: fetch sales, inventory, exchange rates and support tickets in parallel (the fetches report
/// progress; the rates service fails twice and is retried with a short linear backoff), normalize the sales to EUR
/// on a thread, aggregate, forecast and draw charts (on the serial worker: the chart library is single-threaded),
/// render the report and publish it (two child tasks: upload and announce). Every body logs through the logger
/// it was given, so each line carries the runner's scope: run id, task, attempt, throughline.
/// </summary>
/// <remarks>Delays are scaled down so a run takes a couple of seconds.</remarks>
public sealed partial class NightlyReport
{
    private static readonly string[] Regions = { "north", "south", "east", "west" };
    private static readonly string[] Currencies = { "EUR", "USD", "GBP" };

    private readonly ILogger _log;
    private readonly TimeSpan _step;
    private int _rateCalls;

    public NightlyReport(ILogger log, TimeSpan step)
    {
        _log = log;
        _step = step;
    }

    [Task(Backend = Backend.Async)]
    public async Task<Sale[]> FetchSales(DateOnly reportDate, TaskContext context)
    {
        const int pages = 8;
        _log.LogInformation("Fetching sales of {ReportDate} ({Pages} pages)", reportDate.ToString("yyyy-MM-dd"), pages);
        var sales = new List<Sale>();
        for (var page = 1; page <= pages; page++)
        {
            await Task.Delay(_step, context.CancellationToken);
            for (var i = 0; i < 30; i++)
            {
                var n = (page * 31) + i;
                sales.Add(new Sale(Regions[n % Regions.Length], Currencies[n % Currencies.Length], 10 + (n % 90)));
            }

            context.ReportProgress((double)page / pages, $"page {page}/{pages}");
        }

        _log.LogInformation("Fetched {Count} sales", sales.Count);
        return sales.ToArray();
    }

    [Task(Backend = Backend.Async)]
    public async Task<StockLevel[]> FetchInventory(TaskContext context)
    {
        var warehouses = new[] { "ams", "ber", "lis", "osl", "waw" };
        var levels = new List<StockLevel>();
        for (var i = 0; i < warehouses.Length; i++)
        {
            await Task.Delay(_step * 1.5, context.CancellationToken);
            levels.Add(new StockLevel(warehouses[i], 100 * (i + 3)));
            context.ReportProgress((i + 1.0) / warehouses.Length, $"warehouse {warehouses[i]}");
        }

        _log.LogInformation("Stock levels of {Count} warehouses", levels.Count);
        return levels.ToArray();
    }

    /// <summary>The rates service answers 503 twice; the task is retried (linear backoff, 0.1 s base) on HttpRequestException.</summary>
    [Task(Backend = Backend.Async, Retries = 3, Backoff = Backoff.Linear, BackoffBaseSeconds = 0.1, RetryOn = new[] { typeof(HttpRequestException) })]
    public async Task<ExchangeRates> FetchExchangeRates(TaskContext context)
    {
        _log.LogInformation("Asking the rates service (attempt {Attempt})", context.Attempt);
        await Task.Delay(_step, context.CancellationToken);
        using (Throughline.Push("GET /rates"))
        {
            if (Interlocked.Increment(ref _rateCalls) <= 2)
            {
                // Thrown under the pushed frame: the exception carries "nightly-report > FetchExchangeRates > GET /rates".
                throw new HttpRequestException("503 Service Unavailable (rates service)");
            }
        }

        _log.LogInformation("Rates received");
        return new ExchangeRates(new Dictionary<string, decimal> { ["EUR"] = 1m, ["USD"] = 0.92m, ["GBP"] = 1.17m });
    }

    [Task]
    public Ticket[] FetchTickets()
    {
        Thread.Sleep(_step * 2);
        var tickets = Enumerable.Range(1, 12).Select(i => new Ticket(i, i % 5 == 0 ? "high" : "normal")).ToArray();
        _log.LogInformation("{Count} support tickets, {High} of high severity", tickets.Length, tickets.Count(t => t.Severity == "high"));
        return tickets;
    }

    /// <summary>CPU work on a thread-pool worker; half of it goes through Task.Run, which keeps the scope and the throughline.</summary>
    [Task(Backend = Backend.Thread)]
    [DependsOn(nameof(FetchSales), nameof(FetchExchangeRates))]
    public NormalizedSales Normalize(Sale[] fetchSales, ExchangeRates fetchExchangeRates, TaskContext context)
    {
        var half = fetchSales.Length / 2;
        var second = Task.Run(() =>
        {
            _log.LogInformation("Converting the second half on a Task.Run (throughline {Throughline})", string.Join(" > ", Throughline.Chain));
            return Convert(fetchSales.Skip(half), fetchExchangeRates);
        });
        var first = Convert(fetchSales.Take(half), fetchExchangeRates);
        context.ReportProgress(0.5, "first half converted");
        Thread.Sleep(_step * 2);
        var lines = first.Concat(second.GetAwaiter().GetResult()).ToList();
        context.ReportProgress(1, "converted to EUR");
        _log.LogInformation("Normalized {Count} sales to EUR", lines.Count);
        return new NormalizedSales(lines);
    }

    [Task(Backend = Backend.Thread)]
    [DependsOn(nameof(Normalize), nameof(FetchInventory))]
    public Summary Aggregate(NormalizedSales normalize, StockLevel[] fetchInventory)
    {
        Thread.Sleep(_step);
        var byRegion = normalize.Lines.GroupBy(l => l.Region).ToDictionary(g => g.Key, g => g.Sum(l => l.Eur));
        var units = fetchInventory.Sum(s => s.Units);
        _log.LogInformation("{Regions} regions, {Total:0.00} EUR in all, {Units} units in stock", byRegion.Count, byRegion.Values.Sum(), units);
        return new Summary(byRegion, units);
    }

    [Task(Backend = Backend.Async)]
    [DependsOn(nameof(Aggregate))]
    public async Task<SalesForecast> Forecast(Summary aggregate, TaskContext context)
    {
        const int epochs = 5;
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            await Task.Delay(_step, context.CancellationToken);
            context.ReportProgress((double)epoch / epochs, $"epoch {epoch}/{epochs}");
        }

        var next = Math.Round(aggregate.EurByRegion.Values.Sum() * 1.04m, 2);
        _log.LogInformation("Next week: {Forecast:0.00} EUR", next);
        return new SalesForecast(next);
    }

    /// <summary>The chart library is not thread-safe: the serial worker runs one chart job at a time.</summary>
    [Task(Backend = Backend.Serial)]
    [DependsOn(nameof(Aggregate))]
    public Charts RenderCharts(Summary aggregate, TaskContext context)
    {
        var files = new List<string>();
        foreach (var region in aggregate.EurByRegion.Keys.Order())
        {
            Thread.Sleep(_step / 2);
            files.Add($"chart-{region}.png");
            context.ReportProgress((double)files.Count / aggregate.EurByRegion.Count, files[^1]);
        }

        _log.LogInformation("Drew {Count} charts on the serial worker", files.Count);
        return new Charts(files);
    }

    [Task]
    [DependsOn(nameof(Aggregate), nameof(Forecast), nameof(RenderCharts), nameof(FetchTickets))]
    public Report RenderReport(DateOnly reportDate, Summary aggregate, SalesForecast forecast, Charts renderCharts, Ticket[] fetchTickets)
    {
        var body = string.Join(
            Environment.NewLine,
            aggregate.EurByRegion.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value:0.00} EUR")
                .Append($"forecast: {forecast.NextWeekEur:0.00} EUR")
                .Append($"charts: {string.Join(", ", renderCharts.Files)}")
                .Append($"open tickets: {fetchTickets.Length}"));
        _log.LogInformation("Rendered the report ({Length} characters)", body.Length);
        return new Report($"Nightly report {reportDate:yyyy-MM-dd}", body);
    }

    /// <summary>Publishes through two child tasks: each runs under "... > Publish > its name" and is cancelled with its parent.</summary>
    [Task(Backend = Backend.Async)]
    [DependsOn(nameof(RenderReport))]
    public async Task<string> Publish(Report renderReport, TaskContext context)
    {
        var upload = context.Run.Submit(new TaskOptions { Name = "upload-pdf" }, async child =>
        {
            for (var part = 1; part <= 4; part++)
            {
                await Task.Delay(_step, child.CancellationToken);
                child.ReportProgress(part / 4.0, $"part {part}/4");
            }

            _log.LogInformation("Uploaded '{Title}'", renderReport.Title);
            return $"reports/{renderReport.Title.Replace(' ', '-').ToLowerInvariant()}.pdf";
        });
        var announce = context.Run.Submit(new TaskOptions { Name = "announce" }, async child =>
        {
            await Task.Delay(_step, child.CancellationToken);
            _log.LogInformation("Announced in #reports (throughline {Throughline})", string.Join(" > ", child.Throughline));
        }, upload);

        var url = await upload;
        context.ReportProgress(0.5, "uploaded");
        await announce;
        context.ReportProgress(1, "announced");
        _log.LogInformation("Published {Url}", url);
        return url;
    }

    private static List<(string Region, decimal Eur)> Convert(IEnumerable<Sale> sales, ExchangeRates rates) =>
        sales.Select(s => (s.Region, Math.Round(s.Amount * rates.ToEur[s.Currency], 2))).ToList();
}
