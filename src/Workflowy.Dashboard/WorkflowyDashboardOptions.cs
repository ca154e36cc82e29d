using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Workflowy.Dashboard;

/// <summary>What a request may do on the dashboard, as the authorization hook decides.</summary>
public enum DashboardAccess
{
    /// <summary>Nothing: the request is refused (403).</summary>
    None = 0,

    /// <summary>Read the pages and the JSON API; every action is hidden and refused (403).</summary>
    Read = 1,

    /// <summary>Read, and act: cancel, retry, rerun, trigger.</summary>
    Write = 2,
}

/// <summary>
/// How the dashboard is served and who may use it (docs/dashboard.md). Every property is optional; the defaults are
/// fail-closed: loopback connections only, with write access, and a Host header of <c>localhost</c>,
/// <c>127.0.0.1</c> or <c>[::1]</c>.
/// </summary>
public sealed class WorkflowyDashboardOptions
{
    /// <summary>
    /// The runner whose runs the dashboard shows and acts on; null (the default): the <see cref="WorkflowRunner"/> of
    /// the app's services (Workflowy.Hosting's <c>AddWorkflowy</c> registers one).
    /// </summary>
    public WorkflowRunner? Runner { get; set; }

    /// <summary>
    /// Decides per request what it may do. Null (the default): a request over a loopback connection gets
    /// <see cref="DashboardAccess.Write"/>, any other is refused. With a hook, the dashboard may also be reached on
    /// addresses other than loopback; without one, an app listening elsewhere is stopped at start (the dashboard
    /// refuses to be served there).
    /// </summary>
    public Func<HttpContext, ValueTask<DashboardAccess>>? Authorize { get; set; }

    /// <summary>Read-only mode: whatever the hook says, no request gets more than <see cref="DashboardAccess.Read"/>.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>
    /// Host names accepted in the <c>Host</c> header besides <c>localhost</c>, <c>127.0.0.1</c> and <c>[::1]</c>
    /// (without the port; compared ignoring case). Any other host is refused (400): a page reached through a
    /// rebound DNS name cannot read or act.
    /// </summary>
    public IList<string> AllowedHosts { get; } = new List<string>();

    /// <summary>
    /// Input names whose values are shown as <c>***</c> in pages and the JSON API, compared ignoring case, as
    /// <c>input</c> or <c>Workflow.input</c> (the workflow's short or full name). Inputs whose name contains
    /// <c>password</c>, <c>secret</c>, <c>token</c>, <c>apikey</c>, <c>credential</c> or <c>privatekey</c> are redacted
    /// too.
    /// </summary>
    public IList<string> RedactedInputs { get; } = new List<string>();

    /// <summary>Runs of this process kept in memory with their history (ended ones are dropped oldest first). Default 500.</summary>
    public int MaxRecentRuns { get; set; } = 500;

    /// <summary>Log lines kept per task of a run (the last ones). Default 500.</summary>
    public int MaxLogLinesPerTask { get; set; } = 500;

    /// <summary>Characters of a task's result, an exception or a log line shown before it is cut. Default 8192.</summary>
    public int MaxOutputChars { get; set; } = 8192;

    /// <summary>The page title. Default <c>Workflowy</c>.</summary>
    public string Title { get; set; } = "Workflowy";
}
