using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using Workflowy;

namespace Workflowy.Sample;

public sealed record Cart(int Id, IReadOnlyList<string> Items);

public sealed record Quote(int CartId, decimal Total);

/// <summary>The JSON context of the workflow's inputs and results: it lets the CLI start it by name and read its results.</summary>
[JsonSerializable(typeof(Cart))]
[JsonSerializable(typeof(Quote))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(string))]
internal sealed partial class OrderJson : JsonSerializerContext
{
}

/// <summary>
/// A small order workflow: load a cart, price it (async, as if over HTTP) and check stock on a thread at the
/// same time, then confirm the order once both are known and send a receipt (retried: the mail server fails
/// once). Loyalty points come from a service that is down; the thank-you note that needs them is skipped.
/// </summary>
[WorkflowSerialization(typeof(OrderJson))]
public sealed partial class OrderWorkflow
{
    private static readonly Dictionary<string, decimal> Prices = new()
    {
        ["keyboard"] = 49.90m,
        ["mouse"] = 19.50m,
        ["monitor"] = 189.00m,
    };

    private readonly List<string> _log = new();

    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToList();
            }
        }
    }

    [Task]
    public Cart LoadCart(int cartId)
    {
        Write($"LoadCart: cart {cartId}");
        return new Cart(cartId, new[] { "keyboard", "mouse", "monitor" });
    }

    [Task(Backend = Backend.Async)]
    [DependsOn(nameof(LoadCart))]
    public async Task<Quote> PriceCart(Cart cart, CancellationToken cancellationToken)
    {
        await Task.Delay(20, cancellationToken);
        var total = cart.Items.Sum(item => Prices[item]);
        Write($"PriceCart: {cart.Items.Count} items, total {total:0.00}");
        return new Quote(cart.Id, total);
    }

    [Task(Backend = Backend.Thread)]
    [DependsOn(nameof(LoadCart))]
    public bool CheckStock(Cart cart)
    {
        Thread.Sleep(10);
        Write($"CheckStock: all {cart.Items.Count} items in stock (thread-pool thread: {Thread.CurrentThread.IsThreadPoolThread})");
        return true;
    }

    [Task(Backend = Backend.Thread)]
    [DependsOn(nameof(PriceCart), nameof(CheckStock))]
    public string Confirm(Quote quote, bool checkStock, string customer)
    {
        var confirmation = checkStock
            ? $"Order for {customer}: cart {quote.CartId}, {quote.Total:0.00} EUR, confirmed"
            : $"Order for {customer}: cart {quote.CartId} waits for stock";
        Write($"Confirm: {confirmation}");
        return confirmation;
    }

    private int _mailAttempts;

    [Task(Retries = 2, Backoff = Backoff.Linear, BackoffBaseSeconds = 0.05, RetryOn = new[] { typeof(IOException) })]
    [DependsOn(nameof(Confirm))]
    public string SendReceipt(string confirm, TaskContext context)
    {
        if (Interlocked.Increment(ref _mailAttempts) == 1)
        {
            Write($"SendReceipt: attempt {context.Attempt} failed, the mail server is busy");
            throw new IOException("mail server busy");
        }

        Write($"SendReceipt: attempt {context.Attempt} sent the receipt");
        return $"receipt for '{confirm}'";
    }

    [Task]
    [DependsOn(nameof(LoadCart))]
    public int LoyaltyPoints(Cart cart)
    {
        Write("LoyaltyPoints: the loyalty service is down");
        throw new InvalidOperationException($"loyalty service unavailable for cart {cart.Id}");
    }

    [Task(OnDependencyFailure = DependencyFailure.Skip)]
    [DependsOn(nameof(LoyaltyPoints), nameof(Confirm))]
    public string ThankYouNote(int loyaltyPoints, string confirm)
    {
        Write("ThankYouNote: written");
        return $"Thanks! You earned {loyaltyPoints} points.";
    }

    private void Write(string line)
    {
        lock (_log)
        {
            _log.Add(line);
        }
    }
}
