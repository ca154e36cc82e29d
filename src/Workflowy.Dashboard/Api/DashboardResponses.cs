using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Workflowy.Dashboard;

/// <summary>Writes answers: JSON through the source-generated context, HTML as UTF-8, errors as <see cref="ErrorJson"/>.</summary>
internal static class DashboardResponses
{
    public static Task JsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo) =>
        RawJsonAsync(context, status, JsonSerializer.Serialize(value, typeInfo));

    public static Task RawJsonAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(json, Encoding.UTF8);
    }

    public static Task ErrorAsync(HttpContext context, int status, string message, string? actual = null) =>
        JsonAsync(context, status, new ErrorJson(message, actual), DashboardJson.Default.ErrorJson);

    public static Task HtmlAsync(HttpContext context, int status, string html)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(html, Encoding.UTF8);
    }
}
