using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Workflowy.Sqlite.Tests.Workflows;

public sealed record Invoice(int Customer, decimal Total, string Currency);

[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(Invoice))]
internal sealed partial class InvoiceJson : JsonSerializerContext
{
}

/// <summary>
/// A checkpointed workflow for the SQLite store: Draft, then Charge (its payment a side effect) and Archive, then Mail,
/// which fails until repaired.
/// </summary>
[WorkflowSerialization(typeof(InvoiceJson))]
public sealed partial class InvoiceWorkflow
{
    /// <summary>Payments made, by run id: a side effect must happen once per run, whatever resumes.</summary>
    public static readonly ConcurrentDictionary<string, int> Payments = new();

    public volatile bool Repaired;
    public int DraftCalls;
    public int ChargeCalls;
    public int ArchiveCalls;
    public int MailCalls;

    [Task]
    public Invoice Draft(int customer)
    {
        Interlocked.Increment(ref DraftCalls);
        return new Invoice(customer, customer * 12.5m, "EUR");
    }

    [Task, DependsOn(nameof(Draft))]
    public async Task<decimal> Charge(Invoice draft, TaskContext context)
    {
        Interlocked.Increment(ref ChargeCalls);
        var receipt = await context.SideEffectAsync("payment", _ =>
        {
            Payments.AddOrUpdate(context.RunId, 1, (_, n) => n + 1);
            return ValueTask.FromResult($"receipt {draft.Customer}-{draft.Total}");
        });
        context.SetState("receipt", receipt);
        return draft.Total;
    }

    [Task, DependsOn(nameof(Draft))]
    public string Archive(Invoice draft)
    {
        Interlocked.Increment(ref ArchiveCalls);
        return $"archived {draft.Customer} ({draft.Currency})";
    }

    [Task, DependsOn(nameof(Charge), nameof(Archive))]
    public string Mail(decimal charge, string archive, string email, TaskContext context)
    {
        Interlocked.Increment(ref MailCalls);
        if (!Repaired)
        {
            throw new InvalidOperationException("the mail server is down");
        }

        return $"{context.GetState<string>("receipt")}: {charge} mailed to {email}; {archive}";
    }
}
