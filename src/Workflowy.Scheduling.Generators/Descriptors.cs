using Microsoft.CodeAnalysis;

namespace Workflowy.Scheduling.SourceGeneration;

internal static class Descriptors
{
    private const string Category = "Workflowy.Scheduling";
    private const string HelpBase = "https://github.com/workflowy-dotnet/workflowy/blob/main/docs/diagnostics.md#";

    public static readonly DiagnosticDescriptor InvalidCron = new(
        "WFY030", "Invalid cron expression", "Cron expression \"{0}\" is invalid: {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + "wfy030",
        description: "The expression is parsed at build time with Cronos, the parser the scheduler uses at run time; fix the field Cronos names.");

    public static readonly DiagnosticDescriptor CronFieldCount = new(
        "WFY031", "Cron expression with a wrong number of fields",
        "Cron expression \"{0}\" has {1} fields; use 5 (minute hour day-of-month month day-of-week), 6 (second first) or a macro such as @daily, since Quartz-style year fields are not supported",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + "wfy031");

    public static readonly DiagnosticDescriptor CronNeverFires = new(
        "WFY032", "Cron expression that never fires",
        "Cron expression \"{0}\" never fires (for example February 30), so the schedule would be Exhausted at once; fix its day or month fields",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "wfy032");

    public static readonly DiagnosticDescriptor InvalidDuration = new(
        "WFY033", "Invalid duration",
        "{0} \"{1}\" is not a positive duration in the invariant \"c\" format (for example \"00:05:00\")",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + "wfy033");

    public static readonly DiagnosticDescriptor InvalidInstant = new(
        "WFY034", "Invalid At instant",
        "At(\"{0}\") needs an ISO-8601 date-time with an explicit offset, for example \"2026-03-08T02:30:00-05:00\" or \"2026-03-08T07:30:00Z\"",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + "wfy034");

    public static readonly DiagnosticDescriptor JoinWithoutWindow = new(
        "WFY035", "All-join without a window",
        "The All-join on '{0}' needs Within = \"01:00:00\" or another window; unmatched occurrences would otherwise be kept forever",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + "wfy035");

    public static readonly DiagnosticDescriptor OptionOutOfRange = new(
        "WFY036", "Schedule option out of range", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + "wfy036",
        description: "Jitter must be smaller than the shortest gap between occurrences; MaxCatchUp is between 1 and 1000.");

    public static readonly DiagnosticDescriptor UnboundInput = new(
        "WFY037", "Workflow input without a value for its trigger", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + "wfy037",
        description: "Every parameter of a scheduled or triggered [Workflow] entry point needs a value: [FromTrigger], [FromEvent], [FromResult] or [FromSourceInput] (the one that fits the trigger), a property of the attribute's Inputs JSON, or a default value.");

    public static readonly DiagnosticDescriptor StatusCycle = new(
        "WFY038", "Status triggers form a cycle",
        "Status triggers form a cycle: {0}; every completion starts the next run, and the scheduler stops such a chain after 32 runs with TriggerChainTooDeep",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "wfy038", customTags: WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor InvalidPath = new(
        "WFY039", "Invalid payload path or event name", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + "wfy039",
        description: "Payload paths are dotted identifiers (e.g. \"order.region\"); event names must not be empty.");
}
