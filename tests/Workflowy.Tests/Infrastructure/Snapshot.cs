using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Workflowy.Tests.Infrastructure;

/// <summary>
/// Verify-style snapshots: the text is compared with the checked-in <c>Snapshots/{name}.verified.cs</c>. On a mismatch
/// (or a missing file) <c>{name}.received.cs</c> is written beside it and the test fails. Set
/// <c>UPDATE_SNAPSHOTS=1</c> to accept the received text as the new verified file. Snapshots of other text (DOT,
/// Mermaid, SVG) pass their own <c>extension</c>: <c>{name}.verified.{extension}</c>.
/// </summary>
internal static class Snapshot
{
    public static void Verify(string actual, [CallerMemberName] string name = "", [CallerFilePath] string callerFile = "", string extension = "cs")
    {
        var directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        var verified = Path.Combine(directory, name + ".verified." + extension);
        var received = Path.Combine(directory, name + ".received." + extension);
        var text = Normalize(actual);

        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, text);
            File.Delete(received);
            return;
        }

        var expected = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : null;
        if (expected == text)
        {
            File.Delete(received);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(received, text);
        Assert.Fail(expected is null
            ? $"No snapshot {verified}. Review {received}, then rename it to .verified.{extension} or run with UPDATE_SNAPSHOTS=1."
            : $"Generated text differs from {verified} at line {FirstDifference(expected, text)}. Review {received}; accept it with UPDATE_SNAPSHOTS=1.");
    }

    /// <summary>Line endings to \n, the generator version to a placeholder.</summary>
    public static string Normalize(string text) =>
        Regex.Replace(text.Replace("\r\n", "\n").TrimStart('\uFEFF'), "\"Workflowy.Generators\", \"[0-9.]+\"", "\"Workflowy.Generators\", \"FIXED_VERSION\"");

    private static int FirstDifference(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i])
            {
                return i + 1;
            }
        }

        return Math.Min(a.Length, b.Length) + 1;
    }
}
