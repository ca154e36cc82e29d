using System;
using System.IO;

namespace Workflowy.Observability;

/// <summary>The sample's switches.</summary>
internal sealed record CommandLine(bool Plain, bool Otel, string? SvgPath)
{
    public const string Usage =
        "usage: Workflowy.Observability [--plain] [--otel] [--svg <path>]\n" +
        "  --plain        plain progress lines instead of the live display (automatic when output is redirected)\n" +
        "  --otel         export traces and metrics (sources and meter \"Workflowy\") to the console; implies --plain\n" +
        "  --svg <path>   write the finished run's graph, with task states, as SVG";

    /// <summary>Parses the arguments; null (and a message on stderr) when they are wrong.</summary>
    public static CommandLine? Parse(string[] args, TextWriter error)
    {
        bool plain = false, otel = false;
        string? svg = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--plain":
                    plain = true;
                    break;
                case "--otel":
                    otel = true;
                    break;
                case "--svg" when i + 1 < args.Length:
                    svg = args[++i];
                    break;
                case "-h" or "--help":
                    error.WriteLine(Usage);
                    return null;
                default:
                    error.WriteLine($"unknown or incomplete argument '{args[i]}'");
                    error.WriteLine(Usage);
                    return null;
            }
        }

        // The console exporter writes spans as they end; a live display would be drawn over them.
        return new CommandLine(plain || otel || Console.IsOutputRedirected, otel, svg);
    }
}
