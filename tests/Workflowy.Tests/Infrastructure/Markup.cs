using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Workflowy.Tests.Infrastructure;

/// <summary>
/// Diagnostic markup in test sources, as in Microsoft.CodeAnalysis.Testing: <c>{|WFY001:text|}</c> marks the span a
/// diagnostic with that id must be reported on.
/// </summary>
internal static class Markup
{
    private static readonly Regex Pattern = new(@"\{\|(?<id>[A-Z]+[0-9]+):(?<text>.*?)\|\}", RegexOptions.Singleline);

    public static (string Source, IReadOnlyList<(string Id, TextSpan Span)> Expected) Parse(string markup)
    {
        var expected = new List<(string, TextSpan)>();
        var builder = new StringBuilder();
        var last = 0;
        foreach (Match match in Pattern.Matches(markup))
        {
            builder.Append(markup, last, match.Index - last);
            var text = match.Groups["text"].Value;
            expected.Add((match.Groups["id"].Value, new TextSpan(builder.Length, text.Length)));
            builder.Append(text);
            last = match.Index + match.Length;
        }

        builder.Append(markup, last, markup.Length - last);
        return (builder.ToString(), expected);
    }

    /// <summary>Asserts that the analyzer reports exactly the marked diagnostics (id and span) on the source, and returns them.</summary>
    public static IReadOnlyList<Diagnostic> VerifyAnalyzer(string markup)
    {
        var (source, expected) = Parse(markup);
        var actual = Harness.Analyze(source)
            .OrderBy(d => d.Location.SourceSpan.Start)
            .ToList();
        var actualPairs = actual.Select(d => (d.Id, d.Location.SourceSpan)).ToList();
        var expectedPairs = expected.OrderBy(e => e.Span.Start).ToList();
        Assert.True(
            expectedPairs.SequenceEqual(actualPairs),
            $"Expected:\n{string.Join("\n", expectedPairs.Select(e => $"{e.Id} at {e.Span} '{source.Substring(e.Span.Start, e.Span.Length)}'"))}\n" +
            $"Actual:\n{string.Join("\n", actual.Select(d => $"{d.Id} at {d.Location.SourceSpan} '{source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)}': {d.GetMessage()}"))}");
        return actual;
    }
}
