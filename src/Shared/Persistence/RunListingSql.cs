using System.Text;

namespace Workflowy;

/// <summary>
/// The run listing's WHERE and ORDER BY, shared by the SQL stores (linked into each as source): runs with (or without) a
/// start time, filtered by workflow, status and start time, after a keyset continuation, newest first by start time, run
/// id, workflow. Only the SELECT, the parameter prefix and the LIMIT differ between the dialects.
/// </summary>
internal static class RunListingSql
{
    /// <param name="selectFrom">The <c>SELECT … FROM table</c> to which the filter is appended.</param>
    /// <param name="p">The dialect's parameter prefix (<c>$</c> for SQLite, <c>@</c> for Npgsql).</param>
    /// <param name="started">Runs with a start time (ordered by it), or runs without one.</param>
    /// <param name="workflow">Filter by <c>workflow</c>.</param>
    /// <param name="status">Filter by <c>status</c>.</param>
    /// <param name="after">Only runs started after <c>after</c>.</param>
    /// <param name="before">Only runs started before <c>before</c>.</param>
    /// <param name="continues">After the continuation <c>c_started</c>, <c>c_run</c>, <c>c_workflow</c>.</param>
    public static StringBuilder Build(string selectFrom, char p, bool started, bool workflow, bool status, bool after, bool before, bool continues)
    {
        var sql = new StringBuilder(selectFrom).Append(" WHERE started_at IS ").Append(started ? "NOT NULL" : "NULL");
        if (workflow)
        {
            sql.Append(" AND workflow = ").Append(p).Append("workflow");
        }

        if (status)
        {
            sql.Append(" AND status = ").Append(p).Append("status");
        }

        if (after)
        {
            sql.Append(" AND started_at > ").Append(p).Append("after");
        }

        if (before)
        {
            sql.Append(" AND started_at < ").Append(p).Append("before");
        }

        if (continues)
        {
            sql.Append(started
                ? $" AND (started_at, run_id, workflow) < ({p}c_started, {p}c_run, {p}c_workflow)"
                : $" AND (run_id, workflow) < ({p}c_run, {p}c_workflow)");
        }

        return sql.Append(started ? " ORDER BY started_at DESC, run_id DESC, workflow DESC" : " ORDER BY run_id DESC, workflow DESC");
    }
}
