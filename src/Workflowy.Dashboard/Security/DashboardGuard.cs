using System;
using System.Collections.Generic;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Workflowy.Dashboard;

/// <summary>
/// The checks every dashboard request passes, fail-closed (docs/dashboard.md#security): the security headers, the Host
/// allow-list, the access the authorization hook (or, without one, a loopback connection) grants, and for an action
/// write access, the CSRF token header compared in constant time, and a same-origin <c>Sec-Fetch-Site</c>/<c>Origin</c>.
/// </summary>
internal static class DashboardGuard
{
    private const string AccessKey = "Workflowy.Dashboard.Access";

    /// <summary>The content security policy: nothing inline, nothing from elsewhere.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly string[] BuiltInHosts = ["localhost", "127.0.0.1", "[::1]"];

    public static DashboardAccess AccessOf(HttpContext context) =>
        context.Items.TryGetValue(AccessKey, out var value) && value is DashboardAccess access ? access : DashboardAccess.None;

    /// <summary>Runs the checks; false when the request was refused (the answer is written).</summary>
    public static async Task<bool> AdmitAsync(HttpContext context, DashboardContext dashboard, bool write)
    {
        var headers = context.Response.Headers;
        headers["Content-Security-Policy"] = ContentSecurityPolicy;
        headers["X-Content-Type-Options"] = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Frame-Options"] = "DENY";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers.CacheControl = "no-store";

        if (dashboard.Refusal is { } refusal)
        {
            await DashboardResponses.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, refusal).ConfigureAwait(false);
            return false;
        }

        if (!HostAllowed(context.Request.Host, dashboard.Options.AllowedHosts))
        {
            await DashboardResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, "This host name is not allowed for the dashboard (WorkflowyDashboardOptions.AllowedHosts).").ConfigureAwait(false);
            return false;
        }

        DashboardAccess access;
        if (dashboard.Options.Authorize is { } authorize)
        {
            access = await authorize(context).ConfigureAwait(false);
        }
        else
        {
            access = IsLoopback(context.Connection.RemoteIpAddress) ? DashboardAccess.Write : DashboardAccess.None;
        }

        if (dashboard.Options.ReadOnly && access > DashboardAccess.Read)
        {
            access = DashboardAccess.Read;
        }

        context.Items[AccessKey] = access;
        if (access == DashboardAccess.None)
        {
            await DashboardResponses.ErrorAsync(context, StatusCodes.Status403Forbidden, "Access to the dashboard is refused.").ConfigureAwait(false);
            return false;
        }

        if (!write)
        {
            return true;
        }

        if (access != DashboardAccess.Write)
        {
            await DashboardResponses.ErrorAsync(context, StatusCodes.Status403Forbidden, "The dashboard is read-only for this request: actions are refused.").ConfigureAwait(false);
            return false;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await DashboardResponses.ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "Actions are POST requests.").ConfigureAwait(false);
            return false;
        }

        if (!TokenMatches(context.Request.Headers[DashboardContext.CsrfHeader].ToString(), dashboard.CsrfToken))
        {
            await DashboardResponses.ErrorAsync(context, StatusCodes.Status403Forbidden, $"The {DashboardContext.CsrfHeader} header is missing or wrong (the token is on every page and at api/session).").ConfigureAwait(false);
            return false;
        }

        var fetchSite = context.Request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0 && !string.Equals(fetchSite, "same-origin", StringComparison.OrdinalIgnoreCase))
        {
            await DashboardResponses.ErrorAsync(context, StatusCodes.Status403Forbidden, "Actions are accepted only from the dashboard's own pages (Sec-Fetch-Site).").ConfigureAwait(false);
            return false;
        }

        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, context.Request.Scheme + "://" + context.Request.Host.Value, StringComparison.OrdinalIgnoreCase))
        {
            await DashboardResponses.ErrorAsync(context, StatusCodes.Status403Forbidden, "Actions are accepted only from the dashboard's own origin (Origin).").ConfigureAwait(false);
            return false;
        }

        return true;
    }

    public static bool HostAllowed(HostString host, IList<string> allowed)
    {
        if (!host.HasValue)
        {
            return false;
        }

        var name = host.Host;
        foreach (var builtIn in BuiltInHosts)
        {
            if (string.Equals(name, builtIn, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var extra in allowed)
        {
            if (string.Equals(name, extra, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>Whether a listening address (a URL as Kestrel takes it) is on loopback only.</summary>
    public static bool IsLoopbackUrl(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://wildcard.invalid", StringComparison.Ordinal).Replace("://+", "://wildcard.invalid", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return false;
        }

        if (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    private static bool TokenMatches(string given, string expected)
    {
        if (given.Length == 0)
        {
            return false;
        }

        var a = Encoding.UTF8.GetBytes(given);
        var b = Encoding.UTF8.GetBytes(expected);
        return a.Length == b.Length && CryptographicOperations.FixedTimeEquals(a, b);
    }
}
